// One probe run as Prometheus metrics, the answer to GET /probe. Built with prom-client in a
// registry of its own per scrape (as the blackbox exporter does), so one target's values never
// leak into another's answer. Label values are bounded: step ids and failure categories are
// ours, the product is an enum, and what the server sends (build, protocol versions) is kept
// only when it has the expected shape; free text from a server never becomes a label.
import { Gauge, Registry, type RegistryContentType } from 'prom-client';
import { firstFailedStep, leafCertificate, type ProbeRun } from '../probe/runModel';
import { runServerIdentity } from '../probe/serverIdentification';

/** The ActiveSync protocol versions the specification defines; anything else is dropped. */
const KNOWN_PROTOCOL_VERSIONS = ['1.0', '2.0', '2.1', '2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'];
const BUILD_SHAPE = /^\d{1,5}(\.\d{1,6}){0,3}$/;
const STEP_ID_SHAPE = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

export interface ResultFreshness {
  /** The answer reuses an earlier run (rate limiting), rather than a probe made for this scrape. */
  cached: boolean;
  /** Seconds since that run finished. */
  ageSeconds: number;
}

/** Milliseconds as seconds, to the microsecond (no binary-fraction noise like 0.037700000000000004). */
function toSeconds(ms: number): number {
  return Math.round(ms * 1000) / 1_000_000;
}

export type MetricsFormat = 'prometheus' | 'openmetrics';

/** The exposition format the scraper asked for: OpenMetrics when its Accept header offers it. */
export function negotiateFormat(accept: string | undefined): MetricsFormat {
  return accept && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

/** A registry answering in the given exposition format (prom-client writes both). */
export function setExpositionFormat(registry: Registry<RegistryContentType>, format: MetricsFormat): void {
  registry.setContentType(format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
}

export async function renderProbeMetrics(run: ProbeRun, freshness: ResultFreshness, format: MetricsFormat): Promise<{ contentType: string; body: string }> {
  const registry = new Registry<RegistryContentType>();
  setExpositionFormat(registry, format);
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });

  const success = run.outcome === 'passed' || run.outcome === 'warning';
  gauge('activesync_probe_success', 'Whether the probe succeeded (1) or a step failed (0); warnings count as success.').set(success ? 1 : 0);
  gauge('activesync_probe_duration_seconds', 'How long the whole probe took.').set(toSeconds(run.durationMs));
  gauge('activesync_probe_cached_result', 'Whether this answer repeats an earlier probe (1) because the target was probed too recently to sign in again.').set(freshness.cached ? 1 : 0);
  gauge('activesync_probe_result_age_seconds', 'Seconds since the probe behind this answer finished.').set(Math.max(0, freshness.ageSeconds));

  const stepSuccess = gauge('activesync_step_success', 'Whether each step that ran passed (1, warnings included) or failed (0). Skipped steps are absent.', ['step']);
  const stepDuration = gauge('activesync_step_duration_seconds', 'How long each step that ran took.', ['step']);
  const httpStatus = gauge('activesync_http_status_code', 'The last HTTP status code each HTTP step received.', ['step']);
  for (const step of run.steps) {
    const id = String(step.id);
    if (step.status === 'skipped' || !STEP_ID_SHAPE.test(id)) continue;
    stepSuccess.set({ step: id }, step.status === 'failed' ? 0 : 1);
    stepDuration.set({ step: id }, toSeconds(step.durationMs));
    const status = [...(step.evidence.http ?? [])].reverse().find((exchange) => exchange.response)?.response?.statusCode;
    if (status !== undefined) httpStatus.set({ step: id }, status);
  }

  const certificate = leafCertificate(run);
  const notAfter = certificate ? Date.parse(certificate.validTo) : Number.NaN;
  const certGauge = gauge('activesync_tls_cert_not_after_seconds', "The server's leaf certificate expiry, as a Unix time in seconds.");
  if (Number.isFinite(notAfter)) certGauge.set(notAfter / 1000);

  const info = gauge('activesync_server_info', 'The Exchange product and build that answered, and the protocol versions it offers (known versions only).', ['product', 'build', 'protocol_versions']);
  // The run's one identification; "unknown" names no product, so it gives no info series.
  const identity = runServerIdentity(run);
  const identified = identity && identity.product !== 'unknown' ? identity : undefined;
  if (identified) {
    const versions = run.steps.find((s) => s.evidence.protocolVersions?.length)?.evidence.protocolVersions ?? [];
    const known = KNOWN_PROTOCOL_VERSIONS.filter((v) => versions.some((offered) => offered.trim() === v));
    info.set({ product: identified.product, build: BUILD_SHAPE.test(identified.build.trim()) ? identified.build.trim() : 'unrecognised', protocol_versions: known.join(',') }, 1);
  }

  const failureInfo = gauge('activesync_failure_info', "The failure category of the step that failed (only present when one did).", ['category']);
  const failed = firstFailedStep(run);
  if (failed?.failure) failureInfo.set({ category: failed.failure.category }, 1);

  return { contentType: registry.contentType, body: await registry.metrics() };
}
