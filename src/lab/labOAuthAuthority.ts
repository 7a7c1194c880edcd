// The lab's OAuth 2.0 authority: a loopback stand-in for Microsoft Entra ID that @azure/msal-node
// can be pointed at. It publishes OpenID Connect metadata, a device authorization endpoint, a
// token endpoint (device code and refresh token grants) and its signing key as a JWKS, and it
// approves every device code by itself a moment after it was handed out (nobody has to type it).
// Each OAuth scenario has its own made-up tenant; the tenant decides what the issued access token
// says (audience, scopes, lifetime) or how the sign-in is refused (conditional access).
//
// Endpoint paths, field names and error shapes follow the Microsoft identity platform's v2.0
// endpoints; the access token's claims follow a v1 Exchange Online token (aud, scp, upn, tid,
// appid). The AADSTS texts are written for the lab (modelled): only their codes are Microsoft's.
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { sign } from 'jsonwebtoken';
import { LAB_DISPLAY_NAME } from './labAccounts';

/** The lab's public client: the only application the lab authority knows. Made up. */
export const LAB_OAUTH_CLIENT_ID = '0a11ce00-1ab0-4000-8000-00000000d0c7';
/** Exchange Online's resource, the audience its ActiveSync endpoint accepts. */
export const EXCHANGE_ONLINE_RESOURCE = 'https://outlook.office365.com';
export const EAS_SCOPE = 'EAS.AccessAsUser.All';

/** What the authority issues for one tenant. */
export interface LabTenantPolicy {
  tenantId: string;
  userPrincipalName: string;
  /** Delegated permissions consented in the tenant: the access token's scp. */
  grantedScopes: string[];
  /** Replaces the requested resource as the token's audience (a token meant for another API). */
  audienceOverride?: string;
  /** Access token lifetime; negative means it is already expired when issued. Default 3600. */
  lifetimeSeconds?: number;
  /** The sign-in is refused after approval, as Entra ID does when a policy blocks it. */
  refuseSignIn?: 'conditionalAccess';
}

export interface LabAuthority {
  /** https://localhost:PORT */
  origin: string;
  /** The authority URL a client configures for a tenant: https://localhost:PORT/TENANT */
  authorityUrl(tenantId: string): string;
  /** The `iss` of the access tokens issued for a tenant (the v1 form Exchange checks). */
  accessTokenIssuer(tenantId: string): string;
  /** The public half of the signing key, by key id, for the resource servers' checks. */
  publicKey(kid: string): KeyObject | undefined;
  close(): Promise<void>;
}

export interface LabAuthorityOptions {
  tenants: LabTenantPolicy[];
  certPem: string;
  keyPem: string;
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  /** How long after a device code is handed out it counts as approved. Default 300 ms. */
  approveAfterMs?: number;
}

interface DeviceGrant {
  tenant: LabTenantPolicy;
  clientId: string;
  scopes: string[];
  approvedAt: number;
  expiresAt: number;
  redeemed: boolean;
}

interface RefreshGrant {
  tenant: LabTenantPolicy;
  clientId: string;
  scopes: string[];
}

const DEVICE_CODE_SECONDS = 900;
const POLL_INTERVAL_SECONDS = 1;
const USER_OID = '0b5e55ed-1ab0-4000-8000-0000000000a1';

export async function startLabAuthority(options: LabAuthorityOptions): Promise<LabAuthority> {
  const tenants = new Map(options.tenants.map((t) => [t.tenantId.toLowerCase(), t]));
  const approveAfterMs = options.approveAfterMs ?? 300;
  // One RSA key per lab run: tokens from an earlier lab never verify against this one.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const deviceGrants = new Map<string, DeviceGrant>();
  const refreshGrants = new Map<string, RefreshGrant>();
  const sockets = new Set<Socket>();
  let origin = '';

  const issuerV2 = (tenantId: string) => `${origin}/${tenantId}/v2.0`;
  const accessTokenIssuer = (tenantId: string) => `${origin}/${tenantId}/`;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    readForm(req)
      .then((form) => route(req, res, form))
      .catch(() => res.destroy());
  };

  function route(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const path = new URL(req.url ?? '/', 'https://lab.invalid').pathname;
    if (req.method === 'GET' && path === '/devicelogin') {
      return sendHtml(res, 200, '<!DOCTYPE html><html><head><title>Lab sign-in</title></head><body><p>ActiveSync Doctor lab: device codes are approved automatically; there is nothing to enter here.</p></body></html>');
    }
    const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/devicecode|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/.exec(path);
    const tenant = match ? tenants.get(decodeURIComponent(match[1]).toLowerCase()) : undefined;
    if (!match || !tenant) {
      // Entra ID's answer for a tenant it does not know (AADSTS90002), shaped as its JSON errors are.
      return oauthError(res, 400, 'invalid_request', 90002, `Tenant '${match ? match[1].slice(0, 80) : ''}' not found. This may happen if there are no active subscriptions for the tenant.`);
    }
    const endpoint = match[2];
    if (endpoint.endsWith('openid-configuration') && req.method === 'GET') return sendJson(res, 200, metadata(tenant.tenantId));
    if (endpoint.endsWith('keys') && req.method === 'GET') {
      return sendJson(res, 200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
    }
    if (req.method !== 'POST') return oauthError(res, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    const clientId = form.get('client_id') ?? '';
    if (clientId !== LAB_OAUTH_CLIENT_ID) {
      return oauthError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId.slice(0, 80)}' was not found in the directory '${tenant.tenantId}'.`);
    }
    if (endpoint.endsWith('devicecode')) return deviceCode(res, tenant, clientId, form);
    return token(res, tenant, clientId, form);
  }

  function metadata(tenantId: string): Record<string, unknown> {
    const base = `${origin}/${tenantId}`;
    return {
      issuer: issuerV2(tenantId),
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      tenant_region_scope: 'EU',
    };
  }

  function deviceCode(res: ServerResponse, tenant: LabTenantPolicy, clientId: string, form: URLSearchParams): void {
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const device = randomBytes(32).toString('base64url');
    const userCode = randomBytes(8).toString('base64url').toUpperCase().replace(/[^A-Z0-9]/g, 'X').slice(0, 9);
    const now = Date.now();
    deviceGrants.set(device, { tenant, clientId, scopes, approvedAt: now + approveAfterMs, expiresAt: now + DEVICE_CODE_SECONDS * 1000, redeemed: false });
    const verificationUri = `${origin}/devicelogin`;
    sendJson(res, 200, {
      user_code: userCode,
      device_code: device,
      verification_uri: verificationUri,
      expires_in: DEVICE_CODE_SECONDS,
      interval: POLL_INTERVAL_SECONDS,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate. (Lab: the code is approved automatically.)`,
    });
  }

  function token(res: ServerResponse, tenant: LabTenantPolicy, clientId: string, form: URLSearchParams): void {
    const grantType = form.get('grant_type');
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code' || grantType === 'device_code') {
      const grant = deviceGrants.get(form.get('device_code') ?? '');
      if (!grant || grant.tenant !== tenant || grant.clientId !== clientId || grant.redeemed) {
        return oauthError(res, 400, 'invalid_grant', 70000, 'The provided value for the device code is not valid.');
      }
      const now = Date.now();
      if (now > grant.expiresAt) return oauthError(res, 400, 'expired_token', 70019, 'Verification code expired.');
      if (now < grant.approvedAt) return oauthError(res, 400, 'authorization_pending', 70016, 'The user has not yet completed the sign-in.');
      grant.redeemed = true;
      if (tenant.refuseSignIn === 'conditionalAccess') {
        return oauthError(res, 400, 'invalid_grant', 53000, 'Device is not in required device state: compliant. A Conditional Access policy requires a compliant device, and this device is not compliant.');
      }
      return issue(res, tenant, clientId, grant.scopes);
    }
    if (grantType === 'refresh_token') {
      const grant = refreshGrants.get(form.get('refresh_token') ?? '');
      if (!grant || grant.tenant !== tenant || grant.clientId !== clientId) {
        return oauthError(res, 400, 'invalid_grant', 9002313, 'The refresh token is not valid.');
      }
      const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
      return issue(res, tenant, clientId, requested.length ? requested : grant.scopes);
    }
    return oauthError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${String(grantType).slice(0, 60)}'.`);
  }

  function issue(res: ServerResponse, tenant: LabTenantPolicy, clientId: string, requestedScopes: string[]): void {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = tenant.lifetimeSeconds ?? 3600;
    const resource = resourceOf(requestedScopes) ?? EXCHANGE_ONLINE_RESOURCE;
    const accessToken = sign(
      {
        aud: tenant.audienceOverride ?? resource,
        iss: accessTokenIssuer(tenant.tenantId),
        iat: now,
        nbf: lifetime < 0 ? now + lifetime - 3600 : now,
        exp: now + lifetime,
        acr: '1',
        amr: ['pwd'],
        app_displayname: 'ActiveSync Doctor (lab)',
        appid: clientId,
        appidacr: '0',
        name: LAB_DISPLAY_NAME,
        oid: USER_OID,
        scp: tenant.grantedScopes.join(' '),
        sub: randomUUID(),
        tid: tenant.tenantId,
        unique_name: tenant.userPrincipalName,
        upn: tenant.userPrincipalName,
        ver: '1.0',
      },
      privateKey,
      { algorithm: 'RS256', keyid: kid, noTimestamp: true },
    );
    const idToken = sign(
      { aud: clientId, iss: issuerV2(tenant.tenantId), iat: now, nbf: now, exp: now + 3600, name: LAB_DISPLAY_NAME, oid: USER_OID, preferred_username: tenant.userPrincipalName, sub: USER_OID, tid: tenant.tenantId, ver: '2.0' },
      privateKey,
      { algorithm: 'RS256', keyid: kid, noTimestamp: true },
    );
    const refreshToken = randomBytes(48).toString('base64url');
    const wanted = requestedScopes.filter((s) => !/^(openid|profile|offline_access)$/i.test(s));
    refreshGrants.set(refreshToken, { tenant, clientId, scopes: wanted });
    sendJson(res, 200, {
      token_type: 'Bearer',
      // The granted scopes, in the resource's full form, as Entra ID reports them.
      scope: tenant.grantedScopes.map((s) => `${resource}/${s}`).join(' '),
      expires_in: Math.max(lifetime, 0),
      ext_expires_in: Math.max(lifetime, 0),
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: USER_OID, utid: tenant.tenantId })).toString('base64url'),
    });
  }

  const server = https.createServer({ cert: options.certPem, key: options.keyPem }, handler);
  server.on('tlsClientError', () => undefined);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host ?? '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    origin,
    authorityUrl: (tenantId) => `${origin}/${tenantId}`,
    accessTokenIssuer,
    publicKey: (wanted) => (wanted === kid ? publicKey : undefined),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** The resource of the first resource-qualified scope ("https://outlook.office365.com/EAS.AccessAsUser.All"). */
export function resourceOf(scopes: string[]): string | undefined {
  for (const scope of scopes) {
    const m = /^(https:\/\/[^/]+)\/[^/]+$/i.exec(scope);
    if (m) return m[1];
  }
  return undefined;
}

function oauthError(res: ServerResponse, status: number, error: string, code: number, text: string, suberror?: string): void {
  const traceId = randomUUID();
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    ...(suberror ? { suberror } : {}),
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (body.length < 64 * 1024) body += chunk;
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}
