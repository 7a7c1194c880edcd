// The flags the probe and batch commands share (how to sign in, what to trust, how long to wait,
// how to print), declared and read once so both commands spell and check them the same way.
import { readFileSync } from 'node:fs';
import { AUTH_METHODS, type AuthMethod } from '../probe/runModel';
import { flag, UsageError, type FlagSpec, type ParsedArgs } from './cliArgs';

export const RUN_FLAGS: Record<string, FlagSpec> = {
  'password-stdin': {},
  ca: { value: true },
  insecure: {},
  'allow-http': {},
  timeout: { value: true },
  'no-cross-check': {},
  json: {},
  auth: { value: true },
  domain: { value: true },
};

/** --auth, checked against the methods a run knows; Basic when absent. */
export function authFlag(args: ParsedArgs): AuthMethod {
  const auth = (flag(args, 'auth') ?? 'basic').toLowerCase();
  if (!(AUTH_METHODS as readonly string[]).includes(auth)) throw new UsageError(`--auth takes one of ${AUTH_METHODS.join(', ')}, not "${auth.slice(0, 20)}".`);
  return auth as AuthMethod;
}

/** The PEM text of --ca FILE, or undefined without the flag; an unreadable or non-PEM file is a usage error. */
export function readCaFile(caFile: string | undefined): string | undefined {
  if (!caFile) return undefined;
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the CA file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new UsageError(`${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return pem;
}
