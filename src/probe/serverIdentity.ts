// Header readings shared by the steps and the server identification: header look-ups, Exchange
// build lines, the protocol versions and commands an OPTIONS answer offers. Pure functions.
import type { ServerProduct } from './runModel';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The values of each header under its lower-case name, built once per header list: a run looks
 * up dozens of names in the same few answers (the steps, the server identification), and
 * lower-casing every name on every look-up was most of that work. Recorded answers are never
 * changed after they are judged, so an index stays true for its list.
 */
const headerIndexes = new WeakMap<HeaderList, Map<string, string[]>>();

function headerIndex(headers: HeaderList): Map<string, string[]> {
  let index = headerIndexes.get(headers);
  if (!index) {
    index = new Map();
    for (const [name, value] of headers) {
      const lower = name.toLowerCase();
      const values = index.get(lower);
      if (values) values.push(value);
      else index.set(lower, [value]);
    }
    headerIndexes.set(headers, index);
  }
  return index;
}

/** All values of a header, case-insensitive, in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  if (headers.length === 0) return [];
  return headerIndex(headers).get(name.toLowerCase())?.slice() ?? [];
}

export function headerValue(headers: HeaderList, name: string): string | undefined {
  if (headers.length === 0) return undefined;
  return headerIndex(headers).get(name.toLowerCase())?.[0];
}

// Bare names: reports add the build in parentheses, so a name must not carry its own.
const PRODUCT_NAMES: Record<ServerProduct, string> = {
  exchange2003: 'Exchange Server 2003',
  exchange2007: 'Exchange Server 2007',
  exchange2010: 'Exchange Server 2010',
  exchange2013: 'Exchange Server 2013',
  exchange2016: 'Exchange Server 2016',
  exchange2019: 'Exchange Server 2019',
  exchangeOnline: 'Exchange Online',
  zpush: 'Z-Push',
  unknown: 'unknown ActiveSync server',
};

export function productName(product: ServerProduct): string {
  return PRODUCT_NAMES[product];
}

/** Maps an Exchange build ("14.00.0536.000", "15.1", "15.20", "6.5.7638.1") to a product. */
export function productFromBuild(build: string): ServerProduct {
  const m = /^\s*(\d+)\.(\d+)/.exec(build);
  if (!m) return 'unknown';
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 6 && minor === 5) return 'exchange2003';
  if (major === 8) return 'exchange2007';
  if (major === 14) return 'exchange2010';
  if (major === 15) {
    if (minor >= 20) return 'exchangeOnline'; // "15.20": the service's own build line
    if (minor === 0) return 'exchange2013';
    if (minor === 1) return 'exchange2016';
    if (minor === 2) return 'exchange2019';
  }
  return 'unknown';
}

export function parseList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0)
    .slice(0, 200);
}

/** A client like the Remote Connectivity Analyzer needs 2.5, or 12.0 or later. */
export function hasUsableProtocolVersion(versions: readonly string[]): boolean {
  return versions.some((v) => {
    const n = Number(v);
    return v === '2.5' || (Number.isFinite(n) && n >= 12);
  });
}

export const ESSENTIAL_COMMANDS = ['Provision', 'FolderSync', 'Sync'] as const;

export function missingEssentialCommands(commands: readonly string[]): string[] {
  const have = new Set(commands.map((c) => c.toLowerCase()));
  return ESSENTIAL_COMMANDS.filter((c) => !have.has(c.toLowerCase()));
}

/** Exchange's diagnostic headers worth keeping as evidence. */
export const DIAGNOSTIC_HEADERS = [
  'x-feserver',
  'x-beserver',
  'x-calculatedbetarget',
  'x-backendhttpstatus',
  'x-proxy-backendserverstatus',
  'x-diaginfo',
  'x-ms-diagnostics',
  'x-ms-backoffduration',
  'x-ms-credentials-expire',
  'x-ms-credential-service-url',
  'x-ms-location',
  'x-owa-version',
  'x-mailboxguid',
  'x-powered-by',
  'x-aspnet-version',
  'server',
  'request-id',
  'x-rum-validated',
  'retry-after',
  'via',
];

const DIAGNOSTIC_HEADER_SET: ReadonlySet<string> = new Set(DIAGNOSTIC_HEADERS);

export function pickDiagnosticHeaders(headers: HeaderList): Array<[string, string]> {
  return headers.filter(([n]) => DIAGNOSTIC_HEADER_SET.has(n.toLowerCase())).map(([n, v]) => [n, v] as [string, string]);
}
