// `probe --format nagios`: one run as a Nagios/Icinga plugin result, following the Monitoring
// Plugins development guidelines: a first line `ACTIVESYNC <STATE> - <summary> | <perfdata>`,
// then long text (one line per step), and the exit code that carries the state (0 OK,
// 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Perfdata is `'label'=value[UOM];[warn];[crit];[min];[max]`.
import type { Diagnosis } from '../diagnosis/diagnosisModel';
import { leafCertificate, type ProbeRun } from '../probe/runModel';
import { rejectedInput } from '../probe/runVerdict';
import { stripControlCharacters } from '../common/textSafety';

export type NagiosState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export const NAGIOS_EXIT_CODES: Record<NagiosState, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

const SERVICE = 'ACTIVESYNC';
/** The first line is what most consoles show; keep the summary readable there. */
const MAX_SUMMARY = 240;

export interface CertificateThresholds {
  /** WARNING when the leaf certificate has fewer days left than this. */
  warningDays?: number;
  /** CRITICAL when it has fewer days left than this. */
  criticalDays?: number;
}

export interface NagiosResult {
  state: NagiosState;
  exitCode: number;
  /** The whole plugin output, ending with a newline. */
  text: string;
}

/**
 * Server text ends up in the status line: no control characters (a console may act on them),
 * no newline (the first line is the status) and no `|` (it starts the performance data).
 */
export function pluginSafe(text: string): string {
  return stripControlCharacters(text).replace(/[\r\n\t]+/g, ' ').replace(/\|/g, '/').trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A plugin result for a problem with the check itself (bad usage, unreadable file): UNKNOWN, exit 3. */
export function nagiosUnknown(message: string): NagiosResult {
  return { state: 'UNKNOWN', exitCode: NAGIOS_EXIT_CODES.UNKNOWN, text: `${SERVICE} UNKNOWN - ${clip(pluginSafe(message), MAX_SUMMARY)}\n` };
}

export function nagiosResult(run: ProbeRun, diagnosis: Diagnosis, thresholds: CertificateThresholds = {}): NagiosResult {
  const cert = leafCertificate(run);
  const days = cert?.daysToExpiry;
  let state: NagiosState;
  let summary: string;
  const rejected = rejectedInput(run);
  if (run.outcome === 'cancelled') {
    // Interrupted by the operator or the monitoring system, not by the server: nothing is known.
    state = 'UNKNOWN';
    summary = 'the check was interrupted before it finished';
  } else if (rejected) {
    // A typo in the command definition says nothing about the server: not a CRITICAL page.
    state = 'UNKNOWN';
    summary = `the check's server address or user name is not usable: ${rejected.summary}`;
  } else if (run.outcome === 'failed') {
    state = 'CRITICAL';
    summary = diagnosis.headline;
  } else {
    state = run.outcome === 'warning' ? 'WARNING' : 'OK';
    summary = diagnosis.headline;
  }
  if (days !== undefined && state !== 'UNKNOWN') {
    const certState: NagiosState | undefined =
      thresholds.criticalDays !== undefined && days < thresholds.criticalDays ? 'CRITICAL' : thresholds.warningDays !== undefined && days < thresholds.warningDays ? 'WARNING' : undefined;
    if (certState && NAGIOS_EXIT_CODES[certState] > NAGIOS_EXIT_CODES[state]) state = certState;
    summary = `${summary.replace(/\.$/, '')}; certificate ${days < 0 ? `expired ${-days} days ago` : `expires in ${days} days`}`;
  }

  const perfdata = [`time=${seconds(run.durationMs)}s;;;0`];
  for (const step of run.steps) {
    if (step.status === 'skipped') continue;
    perfdata.push(`step_${perfLabel(String(step.id))}=${seconds(step.durationMs)}s;;;0`);
  }
  if (days !== undefined) {
    // Range "N:" alerts when the value drops below N (guidelines' threshold syntax).
    const range = (limit: number | undefined) => (limit === undefined ? '' : `${limit}:`);
    perfdata.push(`cert_days_left=${days};${range(thresholds.warningDays)};${range(thresholds.criticalDays)}`.replace(/;+$/, ''));
  }

  const longText = run.steps.map((step) => {
    const ms = step.status === 'skipped' ? '' : ` (${Math.round(step.durationMs)} ms)`;
    return pluginSafe(`${step.id}: ${step.status}${ms}: ${clip(step.summary, 300)}`);
  });
  const target = pluginSafe(run.target.url || run.target.input);
  const first = `${SERVICE} ${state} - ${clip(pluginSafe(`${target}: ${summary}`), MAX_SUMMARY)} | ${perfdata.join(' ')}`;
  return { state, exitCode: NAGIOS_EXIT_CODES[state], text: `${[first, ...longText].join('\n')}\n` };
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** Labels are ours (step ids), but keep them to the characters every perfdata parser takes. */
function perfLabel(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}
