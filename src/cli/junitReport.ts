// `batch FILE --junit report.xml`: the batch as a JUnit XML report, the format CI servers
// (Jenkins, GitLab, Azure DevOps, GitHub actions that read test reports) show as test results.
// One test case per target; a failed run is a <failure> naming the failed step and the top
// cause, a cancelled one is <skipped>, an internal error is <error>. The XML is built by
// fast-xml-parser's builder (it escapes); characters XML 1.0 cannot carry at all are removed first.
import { XMLBuilder } from 'fast-xml-parser';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { diagnose } from '../diagnosis/diagnose';
import type { BatchResult } from '../probe/batch';
import { firstFailedStep, type ProbeRun } from '../probe/runModel';
import { parseEmailTarget } from '../probe/emailTarget';
import { runTargetLabel } from '../probe/runTargetLabel';

export interface JunitOptions {
  /** The suite's name, e.g. the targets file. */
  suiteName: string;
  /** When the batch started. */
  startedAt: Date;
  hostname?: string;
}

/** XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF. */
export function xmlSafe(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function caseName(run: ProbeRun): string {
  // A run from an e-mail address is named by the address: the case keeps its name when Autodiscover's answer changes.
  const target = runTargetLabel(run);
  return run.userName ? `${target} as ${run.userName}` : target;
}

/** The text of a failure: the failed step, what it said, and the diagnosis's ranked causes. */
function failureBody(run: ProbeRun): { message: string; type: string; body: string } {
  const step = firstFailedStep(run);
  const diagnosis = diagnose(run);
  const top = diagnosis.causes[0];
  const message = step ? `${step.id}: ${step.summary}` : diagnosis.headline;
  const lines = [
    `Failed step: ${step ? `${step.id} (${step.title})` : 'none'}`,
    step ? `What happened: ${step.summary}` : '',
    `Diagnosis: ${diagnosis.headline}`,
    ...diagnosis.causes.slice(0, 3).map((c, i) => `${i + 1}. ${c.title} (${c.confidence} confidence): ${c.explanation}`),
  ].filter(Boolean);
  return { message: top ? `${message} (most likely: ${top.title})` : message, type: step?.failure?.category ?? 'failed', body: lines.join('\n') };
}

function testCase(run: ProbeRun): Record<string, unknown> {
  // Grouped by server; runs from an address by its domain, whatever server Autodiscover chose.
  const group = parseEmailTarget(run.target.input)?.domain ?? run.target.host;
  const attributes = { '@_name': xmlSafe(caseName(run)), '@_classname': xmlSafe(`activesync.${group || 'invalid-target'}`), '@_time': seconds(run.durationMs) };
  const stepLines = run.steps.map((s) => `${s.id}: ${s.status}${s.status === 'skipped' ? '' : ` (${Math.round(s.durationMs)} ms)`}: ${s.summary}`).join('\n');
  if (run.outcome === 'cancelled') {
    return { ...attributes, skipped: { '@_message': 'The test was cancelled before it finished.' }, 'system-out': xmlSafe(stepLines) };
  }
  if (run.outcome === 'failed') {
    const { message, type, body } = failureBody(run);
    // A failure of ours (the probe threw) is an error, not a verdict about the server.
    const element = type === 'internal' ? 'error' : 'failure';
    return { ...attributes, [element]: { '@_message': xmlSafe(message), '@_type': xmlSafe(type), '#text': xmlSafe(body) }, 'system-out': xmlSafe(stepLines) };
  }
  return { ...attributes, 'system-out': xmlSafe(stepLines) };
}

export function renderJunitReport(result: BatchResult, options: JunitOptions): string {
  const errors = result.runs.filter((r) => r.outcome === 'failed' && firstFailedStep(r)?.failure?.category === 'internal').length;
  const counts = {
    '@_tests': String(result.runs.length),
    '@_failures': String(result.failed - errors),
    '@_errors': String(errors),
  };
  const suite = {
    '@_name': xmlSafe(options.suiteName),
    ...counts,
    '@_skipped': String(result.cancelled),
    '@_time': seconds(result.durationMs),
    '@_timestamp': options.startedAt.toISOString().replace(/\.\d{3}Z$/, ''),
    ...(options.hostname ? { '@_hostname': xmlSafe(options.hostname) } : {}),
    testcase: result.runs.map(testCase),
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', processEntities: true, suppressEmptyNode: true });
  const xml = builder.build({ testsuites: { '@_name': 'activesync-doctor', ...counts, '@_time': seconds(result.durationMs), testsuite: [suite] } }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

/** Written to a temporary file beside the target and renamed: a CI job never reads half a report. */
export function writeJunitReport(file: string, xml: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, xml, { encoding: 'utf8' });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
