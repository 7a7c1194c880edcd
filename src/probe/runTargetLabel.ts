// How a person names what a run tested. A run that started from an e-mail address is named by
// that address, the way the admin listed it (a batch file, a scrape target); the server
// Autodiscover sent it to is shown beside it, since the address stays the same when that changes.
import { parseEmailTarget } from './emailTarget';
import type { ProbeRun } from './runModel';

type RunTarget = Pick<ProbeRun, 'target'>;

/** The e-mail address the run started from, else the URL tested (or the input, when there is none). */
export function runTargetLabel(run: RunTarget): string {
  return parseEmailTarget(run.target.input)?.address ?? (run.target.url || run.target.input);
}

/** For a run that started from an e-mail address: the ActiveSync URL Autodiscover handed out, if it did. */
export function discoveredUrl(run: RunTarget): string | undefined {
  return parseEmailTarget(run.target.input) && run.target.url ? run.target.url : undefined;
}

/** The label with the server Autodiscover found, e.g. "jdoe@contoso.com → https://mail.contoso.com/Microsoft-Server-ActiveSync". */
export function runTargetWithServer(run: RunTarget): string {
  const found = discoveredUrl(run);
  return found ? `${runTargetLabel(run)} → ${found}` : runTargetLabel(run);
}
