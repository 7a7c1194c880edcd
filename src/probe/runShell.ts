// The run record before any step has run: identity, target and the settings it ran with. Both
// the probe and the batch (for targets it never probed) start from here, so every run records
// its settings the same way.
import { randomUUID } from 'node:crypto';
import { ENGINE_VERSION } from '../common/engineVersion';
import { isEmailAddress } from './emailTarget';
import { DEFAULT_DEVICE_ID, DEFAULT_DEVICE_TYPE } from './eas/deviceIdentity';
import { DEFAULT_TIMEOUTS, FULL_MODE_OVERALL_MS, type ProbeOptions } from './probeOptions';
import { proxyFor } from './proxyTunnel';
import { RUN_SCHEMA_VERSION, type ProbeRun } from './runModel';
import type { NormalizedTarget } from './targetInput';

/** The proxy as scheme://host:port only: a proxy password must never reach the run. */
function safeProxyLabel(proxy: string | undefined): string | undefined {
  if (!proxy) return undefined;
  try {
    const u = new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid proxy setting)';
  }
}

export function newRunShell(options: Omit<ProbeOptions, 'password' | 'signal'>, target: NormalizedTarget, startedAt: Date): ProbeRun {
  const env = options.env ?? process.env;
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: randomUUID(),
    engineVersion: ENGINE_VERSION,
    target: { input: target.safeInput, url: target.url, host: target.host, port: target.port },
    userName: options.userName || undefined,
    settings: {
      auth: options.auth ?? 'basic',
      domain: options.domain?.trim() || undefined,
      crossCheck: options.crossCheck ?? true,
      ignoreTrust: options.ignoreTrust ?? false,
      allowHttp: options.allowHttp ?? false,
      timeoutMs: options.timeouts?.overallMs ?? (options.mode === 'full' ? FULL_MODE_OVERALL_MS : DEFAULT_TIMEOUTS.overallMs),
      proxy: safeProxyLabel(options.proxy ?? (target.ok ? proxyFor(target.host, target.port, undefined, env) : undefined)),
      mode: options.mode ?? 'commands',
      // Only runs that used Autodiscover say so, as runs stored before it existed read.
      ...(isEmailAddress(options.target) || options.autodiscover || options.autodiscoverUrl ? { autodiscover: true } : {}),
      ...(options.autodiscoverUrl ? { autodiscoverUrl: options.autodiscoverUrl } : {}),
      deviceId: options.deviceId ?? DEFAULT_DEVICE_ID,
      deviceType: options.deviceType ?? DEFAULT_DEVICE_TYPE,
    },
    labScenario: options.labScenario,
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationMs: 0,
    outcome: 'failed',
    steps: [],
  };
}
