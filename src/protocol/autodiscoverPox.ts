// The mobile Autodiscover exchange (MS-ASCMD 2.2.1.1, "plain old XML"): the request a device posts
// to /autodiscover/autodiscover.xml, and what its answer says. Parsing uses fast-xml-parser with
// namespace prefixes removed, so `autodiscover:Url`, a default namespace and no namespace read the
// same; a byte-order mark, leading whitespace and a wrong Content-Type are tolerated, because real
// servers send all of these. Pure functions, no I/O; never throws for what a server sends.
import type * as FastXmlParser from 'fast-xml-parser';

export const MOBILESYNC_REQUEST_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
export const MOBILESYNC_RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
/** Longest answer worth parsing: real answers are a few hundred bytes. */
export const MAX_AUTODISCOVER_XML_CHARS = 64 * 1024;

export type MobileSyncAnswer =
  /** Action/Settings/Server with Type MobileSync: the ActiveSync URL. */
  | { kind: 'settings'; url: string; name?: string; displayName?: string; emailAddress?: string; culture?: string }
  /** Action/Redirect: run Autodiscover again for this address's domain. */
  | { kind: 'redirect'; emailAddress: string }
  /** Action/Error (Status) or the framework error (ErrorCode 600, 601…). */
  | { kind: 'error'; code?: string; status?: string; message?: string; debugData?: string }
  /** Not an Autodiscover answer: what was wrong with it. */
  | { kind: 'invalid'; reason: string };

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** The request body a device sends (MS-ASCMD 2.2.2.1): one Request, the mobilesync response schema. */
export function mobileSyncRequest(emailAddress: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${MOBILESYNC_REQUEST_SCHEMA}">`,
    '  <Request>',
    `    <EMailAddress>${escapeXml(emailAddress)}</EMailAddress>`,
    `    <AcceptableResponseSchema>${MOBILESYNC_RESPONSE_SCHEMA}</AcceptableResponseSchema>`,
    '  </Request>',
    '</Autodiscover>',
  ].join('\r\n');
}

// fast-xml-parser loads on the first answer to parse, not with every CLI start that never sees one.
let xml: { parser: FastXmlParser.XMLParser; validator: typeof FastXmlParser.XMLValidator } | undefined;
function xmlTools(): NonNullable<typeof xml> {
  if (!xml) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { XMLParser, XMLValidator } = require('fast-xml-parser') as typeof FastXmlParser;
    xml = { parser: new XMLParser(PARSER_OPTIONS), validator: XMLValidator };
  }
  return xml;
}

const PARSER_OPTIONS: FastXmlParser.X2jOptions = {
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  // Entities beyond the five XML ones are not expanded: nothing a server sends can grow in memory.
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'Server' || name === 'Response',
};

type Node = Record<string, unknown>;

function child(node: unknown, name: string): unknown {
  if (!node || typeof node !== 'object') return undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(node).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : (node as Node)[key];
}

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim() || undefined;
  if (typeof node === 'number') return String(node);
  if (node && typeof node === 'object' && '#text' in node) return text((node as Node)['#text']);
  return undefined;
}

function list(node: unknown): unknown[] {
  return Array.isArray(node) ? node : node === undefined ? [] : [node];
}

/** Reads an Autodiscover answer's body. `body` is the text as received (a BOM is fine). */
export function parseMobileSyncAnswer(body: string): MobileSyncAnswer {
  const trimmed = body.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return { kind: 'invalid', reason: 'The answer is empty.' };
  if (trimmed.length > MAX_AUTODISCOVER_XML_CHARS) return { kind: 'invalid', reason: `The answer is ${trimmed.length} characters long; an Autodiscover answer is a few hundred.` };
  if (!trimmed.startsWith('<')) return { kind: 'invalid', reason: 'The answer is not XML.' };
  const { parser, validator } = xmlTools();
  const valid = validator.validate(trimmed);
  if (valid !== true) return { kind: 'invalid', reason: `The answer is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}).` };
  let doc: unknown;
  try {
    doc = parser.parse(trimmed);
  } catch (error) {
    return { kind: 'invalid', reason: `The answer could not be read as XML: ${(error as Error).message}` };
  }
  const root = child(doc, 'Autodiscover');
  if (root === undefined) return { kind: 'invalid', reason: 'The answer is XML but not an Autodiscover document (no Autodiscover element); it may be a web page.' };
  const response = list(child(root, 'Response'))[0];
  if (response === undefined) return { kind: 'invalid', reason: 'The Autodiscover document has no Response element.' };

  // The framework's own error (ErrorCode 600 invalid request, 601 no provider for the schema).
  const frameworkError = child(response, 'Error');
  if (frameworkError !== undefined && child(response, 'Action') === undefined) {
    return {
      kind: 'error',
      code: text(child(frameworkError, 'ErrorCode')),
      status: text(child(frameworkError, 'Status')),
      message: text(child(frameworkError, 'Message')),
      debugData: text(child(frameworkError, 'DebugData')),
    };
  }
  const action = child(response, 'Action');
  if (action === undefined) return { kind: 'invalid', reason: 'The Autodiscover response has neither an Action nor an Error.' };
  const redirect = text(child(action, 'Redirect'));
  if (redirect) return { kind: 'redirect', emailAddress: redirect };
  const actionError = child(action, 'Error');
  if (actionError !== undefined) {
    return { kind: 'error', status: text(child(actionError, 'Status')), message: text(child(actionError, 'Message')), debugData: text(child(actionError, 'DebugData')) };
  }
  const servers = list(child(child(action, 'Settings'), 'Server'));
  const mobileSync = servers.find((s) => text(child(s, 'Type'))?.toLowerCase() === 'mobilesync');
  const url = text(child(mobileSync, 'Url'));
  if (!mobileSync || !url) {
    const types = servers.map((s) => text(child(s, 'Type'))).filter(Boolean);
    return { kind: 'invalid', reason: `The Autodiscover settings name no MobileSync server${types.length ? ` (only ${types.join(', ')})` : ''}.` };
  }
  const user = child(response, 'User');
  const answer: MobileSyncAnswer = { kind: 'settings', url };
  const name = text(child(mobileSync, 'Name'));
  if (name) answer.name = name;
  const displayName = text(child(user, 'DisplayName'));
  if (displayName) answer.displayName = displayName;
  const emailAddress = text(child(user, 'EMailAddress'));
  if (emailAddress) answer.emailAddress = emailAddress;
  const culture = text(child(response, 'Culture'));
  if (culture) answer.culture = culture;
  return answer;
}

/** Exchange Online's Autodiscover v2 (JSON) answer: `{ "Protocol": "ActiveSync", "Url": "…" }`. */
export function parseAutodiscoverV2(body: string): { kind: 'settings'; url: string } | { kind: 'invalid'; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.replace(/^\uFEFF/, '').slice(0, MAX_AUTODISCOVER_XML_CHARS));
  } catch {
    return { kind: 'invalid', reason: 'The answer is not JSON.' };
  }
  const url = value && typeof value === 'object' ? (value as Node).Url : undefined;
  const protocol = value && typeof value === 'object' ? (value as Node).Protocol : undefined;
  if (typeof url !== 'string' || !url) return { kind: 'invalid', reason: 'The JSON answer has no Url.' };
  if (typeof protocol === 'string' && protocol.toLowerCase() !== 'activesync') return { kind: 'invalid', reason: `The JSON answer is for the protocol ${protocol}, not ActiveSync.` };
  return { kind: 'settings', url };
}
