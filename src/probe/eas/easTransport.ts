// ActiveSync commands over the probe's own connection: POST /Microsoft-Server-ActiveSync?Cmd=…
// with the MS-AS headers, a WBXML body, and the same credentials the authenticated OPTIONS
// proved. Every command goes through the ProbeHttpConnection the TLS step verified (or that the
// user chose to trust), so credentials never reach another connection; answers are read whole
// (up to the probe's body limit), decoded defensively, and kept as evidence only in decoded,
// reduced form: the policy key redacted and message content replaced by counts.
import { COMMAND_PAGES } from '../../protocol/eas/easCodes';
import { decodeWbxml, type WbxmlDecodeError } from '../../protocol/wbxml/wbxmlDecoder';
import { encodeWbxml } from '../../protocol/wbxml/wbxmlEncoder';
import { textAt, toXml, type RenderRule, type WbxmlElement } from '../../protocol/wbxml/wbxmlTree';
import { withAbort } from '../abortable';
import type { HttpResult, ProbeHttpConnection } from '../httpConnection';
import { windowsAuthHandshake, type WindowsScheme } from '../ntlm/windowsAuthHandshake';
import type { EasCommandEvidence } from '../runModel';

export type CommandCredentials =
  /** Basic or Bearer: the very Authorization value the authenticated OPTIONS sent, on every command. */
  | { kind: 'header'; authorization: string }
  /** NTLM and Negotiate authenticate the connection: the handshake is redone only when the server asks again. */
  | { kind: 'windows'; scheme: WindowsScheme; userName: string; password: string; domain?: string };

export interface EasSessionOptions {
  connection: ProbeHttpConnection;
  /** Path of the ActiveSync directory, e.g. /Microsoft-Server-ActiveSync. */
  path: string;
  userName: string;
  deviceId: string;
  deviceType: string;
  protocolVersion: string;
  credentials: CommandCredentials;
  signal: AbortSignal;
}

export interface CommandResult {
  http: HttpResult;
  /** The decoded body, when there was one and it decoded. */
  root?: WbxmlElement;
  /** Where and why decoding stopped, for a body that did not decode. */
  decodeError?: WbxmlDecodeError;
  /** The top-level Status element of the command's own root, when present. */
  status?: number;
  evidence: EasCommandEvidence;
}

/**
 * Rendering rule for evidence: no policy key, and no message content. ApplicationData (an item's
 * properties) and Body/Data are replaced by a count, and Ping's folder list keeps only ids.
 */
export const EVIDENCE_RULE: RenderRule = (element) => {
  if (element.tag === 'PolicyKey') return 'redact';
  if (element.tag === 'ApplicationData') return 'summarise';
  if (element.page === 'Email' || element.page === 'Email2' || element.page === 'Contacts') return 'redact';
  if (element.page === 'AirSyncBase' && (element.tag === 'Data' || element.tag === 'Preview' || element.tag === 'Body')) return 'summarise';
  return 'keep';
};

export class EasSession {
  /** X-MS-PolicyKey to send: "0" until provisioning hands out a key. */
  policyKey = '0';

  constructor(readonly options: EasSessionOptions) {}

  private query(command: string): string {
    const o = this.options;
    const params = new URLSearchParams({ Cmd: command, User: o.userName, DeviceId: o.deviceId, DeviceType: o.deviceType });
    return `${o.path}?${params.toString()}`;
  }

  /** Sends one command; never throws for anything the server does (only for a cancel or the run's deadline). */
  async send(command: string, body: WbxmlElement | undefined, label = command, headersTimeoutMs?: number): Promise<CommandResult> {
    const o = this.options;
    const bytes = body ? encodeWbxml(body) : undefined;
    const headers: Record<string, string> = { 'MS-ASProtocolVersion': o.protocolVersion };
    // Ping carries no policy key (MS-ASPROV 3.1.5.1); every other command does, "0" before provisioning.
    if (command !== 'Ping') headers['X-MS-PolicyKey'] = this.policyKey;
    if (bytes) headers['Content-Type'] = 'application/vnd.ms-sync.wbxml';
    const request = { method: 'POST' as const, path: this.query(command), headers, body: bytes, label, binaryBody: true, headersTimeoutMs };
    let http: HttpResult;
    if (o.credentials.kind === 'header') {
      http = await withAbort(o.connection.send({ ...request, headers: { ...headers, Authorization: o.credentials.authorization } }, o.signal), o.signal);
    } else {
      http = await withAbort(o.connection.send(request, o.signal), o.signal);
      if (http.statusCode === 401) {
        // The connection lost its sign-in (reopened, or the server wants one per request): sign in again on it, then resend.
        const c = o.credentials;
        const handshake = await windowsAuthHandshake({ connection: o.connection, path: o.path, scheme: c.scheme, userName: c.userName, password: c.password, domain: c.domain, signal: o.signal });
        if (handshake.final.statusCode && handshake.final.statusCode < 300) http = await withAbort(o.connection.send(request, o.signal), o.signal);
      }
    }
    return interpret(command, body, http);
  }
}

function interpret(command: string, request: WbxmlElement | undefined, http: HttpResult): CommandResult {
  const bodyBytes = http.body?.length ?? 0;
  const evidence: EasCommandEvidence = { command, statusCode: http.statusCode, bodyBytes };
  if (request) evidence.requestXml = toXml(request, EVIDENCE_RULE);
  const result: CommandResult = { http, evidence };
  const contentType = (http.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '').toLowerCase();
  // A WBXML body, or any body that starts like one: some servers label 500 pages loosely.
  const looksWbxml = http.body !== undefined && bodyBytes > 0 && (contentType.includes('vnd.ms-sync') || http.body[0] === 0x03);
  if (http.body && bodyBytes > 0 && looksWbxml) {
    const decoded = decodeWbxml(http.body, { unknown: 'name' });
    if (decoded.ok) {
      result.root = decoded.root;
      evidence.responseXml = toXml(decoded.root, EVIDENCE_RULE);
      const page = COMMAND_PAGES[command];
      if (decoded.root.tag === command && (!page || decoded.root.page === page)) {
        const status = Number(textAt(decoded.root, 'Status'));
        if (Number.isInteger(status)) result.status = status;
      }
    } else {
      result.decodeError = decoded.error;
      evidence.decodeError = { code: decoded.error.code, offset: decoded.error.offset, message: decoded.error.message };
      if (decoded.partial) evidence.responseXml = `${toXml(decoded.partial, EVIDENCE_RULE)}\n<!-- decoding stopped at byte ${decoded.error.offset} of ${bodyBytes} -->`;
    }
  } else if (bodyBytes > 0) {
    // Not WBXML (an HTML error page, usually): its size, never its text, which may quote the request.
    evidence.responseXml = `<!-- ${bodyBytes} bytes of ${contentType || 'unlabelled content'}, not WBXML -->`;
  }
  if (result.status !== undefined) evidence.status = result.status;
  return result;
}
