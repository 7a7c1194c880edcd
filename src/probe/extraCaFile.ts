// An extra CA file (--ca, the extraCaFile setting): read with the size cap, and refused unless
// every PEM block in it is a certificate Node can parse. A file of garbage between BEGIN/END lines
// would otherwise be listed as "extra CA file" in the run while trusting nothing.
import { X509Certificate } from 'node:crypto';
import { readBoundedFile, UserFileError } from '../common/boundedFileRead';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM text when it holds at least one certificate and nothing but certificates; else a UserFileError naming the file. */
export function validateCaPem(pem: string, file: string): string {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new UserFileError(`The CA file ${file} holds no certificate (no -----BEGIN CERTIFICATE----- block).`);
  const bad = blocks.map((block, i) => (parses(block) ? -1 : i + 1)).filter((i) => i > 0);
  if (bad.length === blocks.length) throw new UserFileError(`The CA file ${file} holds no certificate Node can parse (${blocks.length} PEM block${blocks.length === 1 ? '' : 's'}, none valid).`);
  if (bad.length) throw new UserFileError(`The CA file ${file}: certificate ${bad[0]} of ${blocks.length} is not a valid certificate; fix or remove it.`);
  return pem;
}

export async function readCaPem(file: string): Promise<string> {
  return validateCaPem(await readBoundedFile(file, 'CA file'), file);
}

function parses(block: string): boolean {
  try {
    new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}
