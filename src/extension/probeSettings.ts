// Turns the extension's settings (and VS Code's http.proxy / http.proxyStrictSSL) into probe
// options, with a note for every setting that weakens a check so the run can say so.
// Pure: the caller reads the configuration; this file has no vscode import.
import type { ProbeOptions } from '../probe/probeOptions';
import { AUTH_METHODS, type AuthMethod, type ProbeMode, type ProbeRun } from '../probe/runModel';

export interface SettingsSnapshot {
  timeoutSeconds: unknown;
  crossCheck: unknown;
  allowUntrustedCertificates: unknown;
  allowPlainHttp: unknown;
  /** VS Code's http.proxy. */
  httpProxy: unknown;
  /** VS Code's http.proxyStrictSSL (default true). */
  httpProxyStrictSSL: unknown;
  /** activesyncDoctor.authentication: basic (default), ntlm, negotiate or auto. */
  authentication?: unknown;
  /** activesyncDoctor.domain: the domain for bare user names with NTLM/Negotiate. */
  domain?: unknown;
  /** activesyncDoctor.testDepth: commands (default), optionsOnly or full. */
  testDepth?: unknown;
  /** activesyncDoctor.deviceId / deviceType: the identity the commands present. */
  deviceId?: unknown;
  deviceType?: unknown;
  /** activesyncDoctor.oauth.tenant and .clientId: for the Microsoft account sign-in. */
  oauthTenant?: unknown;
  oauthClientId?: unknown;
}

export interface SettingsOptions {
  options: Pick<ProbeOptions, 'timeouts' | 'crossCheck' | 'ignoreTrust' | 'allowHttp' | 'proxy' | 'auth' | 'domain' | 'mode' | 'deviceId' | 'deviceType'>;
  /** Sentences recorded in the run and shown to the user when a setting relaxes a check. */
  notes: string[];
  /** For an OAuth sign-in through VS Code's Microsoft account. */
  oauth?: { tenant?: string; clientId?: string };
}

const DEFAULT_TIMEOUT_SECONDS = 30;

export function optionsFromSettings(settings: SettingsSnapshot): SettingsOptions {
  const notes: string[] = [];
  const seconds = typeof settings.timeoutSeconds === 'number' && Number.isFinite(settings.timeoutSeconds)
    ? Math.min(300, Math.max(5, settings.timeoutSeconds))
    : DEFAULT_TIMEOUT_SECONDS;
  // A full run waits for a Ping heartbeat: it needs at least two minutes.
  const strictSsl = settings.httpProxyStrictSSL !== false;
  const allowUntrusted = settings.allowUntrustedCertificates === true;
  if (allowUntrusted) notes.push('Certificate trust failures are reported as warnings (setting activesyncDoctor.allowUntrustedCertificates).');
  if (!strictSsl) notes.push('Certificate trust failures are reported as warnings because VS Code\'s http.proxyStrictSSL is off.');
  const allowHttp = settings.allowPlainHttp === true;
  if (allowHttp) notes.push('Plain http:// targets are allowed (setting activesyncDoctor.allowPlainHttp); credentials would cross the network unencrypted.');
  const proxyText = typeof settings.httpProxy === 'string' ? settings.httpProxy.trim() : '';
  // Anything unknown falls back to Basic, what devices use, rather than failing the run.
  const auth: AuthMethod = typeof settings.authentication === 'string' && (AUTH_METHODS as readonly string[]).includes(settings.authentication) ? (settings.authentication as AuthMethod) : 'basic';
  const domain = typeof settings.domain === 'string' && settings.domain.trim() !== '' ? settings.domain.trim() : undefined;
  const mode: ProbeMode = settings.testDepth === 'optionsOnly' ? 'options' : settings.testDepth === 'full' ? 'full' : 'commands';
  if (mode === 'options') notes.push('Only OPTIONS was tested (setting activesyncDoctor.testDepth): whether a phone can provision and sync is not proven.');
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  // An identity Exchange would refuse is reported by the run's input step, not silently replaced.
  const deviceId = text(settings.deviceId);
  const deviceType = text(settings.deviceType);
  return {
    options: {
      timeouts: { overallMs: Math.round((settings.testDepth === 'full' ? Math.max(seconds, 120) : seconds) * 1000) },
      crossCheck: settings.crossCheck !== false,
      ignoreTrust: allowUntrusted || !strictSsl,
      allowHttp,
      // Empty http.proxy means "not configured": leave it undefined so HTTPS_PROXY/NO_PROXY still apply.
      proxy: proxyText === '' ? undefined : proxyText,
      auth,
      domain,
      mode,
      deviceId,
      deviceType,
    },
    notes,
    oauth: { tenant: trimmed(settings.oauthTenant), clientId: trimmed(settings.oauthClientId) },
  };
}

function trimmed(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Records the notes in the run's input step (as details), so exports and history show them too. */
export function recordSettingNotes(run: ProbeRun, notes: readonly string[]): ProbeRun {
  if (notes.length === 0 || run.steps.length === 0) return run;
  const step = run.steps.find((s) => s.id === 'input') ?? run.steps[0];
  for (const note of notes) step.details.push({ label: 'VS Code setting', value: note });
  return run;
}
