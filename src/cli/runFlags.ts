// The flags the probe and batch commands share (how to sign in, what to trust, how long to wait,
// how to print), declared and read once so both commands spell and check them the same way.
import { readCaPem } from '../probe/extraCaFile';
import { isHttpsEndpoint } from '../protocol/autodiscoverPlaces';
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
  'autodiscover-url': { value: true },
};

/** --auth, checked against the methods a run knows; Basic when absent. */
export function authFlag(args: ParsedArgs): AuthMethod {
  const auth = (flag(args, 'auth') ?? 'basic').toLowerCase();
  if (!(AUTH_METHODS as readonly string[]).includes(auth)) throw new UsageError(`--auth takes one of ${AUTH_METHODS.join(', ')}, not "${auth.slice(0, 20)}".`);
  return auth as AuthMethod;
}

/** --autodiscover-url: an https:// endpoint to ask instead of the places devices look; undefined without the flag. */
export function autodiscoverUrlFlag(args: ParsedArgs): string | undefined {
  const url = flag(args, 'autodiscover-url');
  if (url !== undefined && !isHttpsEndpoint(url)) {
    throw new UsageError('--autodiscover-url takes an https:// URL, e.g. https://autodiscover.contoso.com/autodiscover/autodiscover.xml.');
  }
  return url;
}

/** The PEM text of --ca FILE, or undefined without the flag; too large, unreadable or not certificates: exit 2 naming the file. */
export async function readCaFile(caFile: string | undefined): Promise<string | undefined> {
  return caFile ? readCaPem(caFile) : undefined;
}
