// What a probe's target is: an e-mail address (the run starts with Autodiscover, which finds the
// server) or a server, host or URL (normalised by targetInput.ts). The probe, the batch file
// reader and the exporter all read a target through here, so the same text means the same thing
// wherever it is typed.
import { parseEmailTarget, type EmailTarget } from './emailTarget';
import { normalizeTarget, type NormalizedTarget } from './targetInput';

export interface ProbeTarget {
  /** Set when the target is an e-mail address: there is no ActiveSync URL until Autodiscover finds one. */
  email: EmailTarget | undefined;
  /** The server to test; for an address, an empty placeholder that Autodiscover fills in. */
  server: NormalizedTarget;
}

export function readProbeTarget(input: string, options: { allowHttp?: boolean } = {}): ProbeTarget {
  const email = parseEmailTarget(input);
  return { email, server: email ? pendingTarget(email) : normalizeTarget(input, options) };
}

/** An e-mail target before Autodiscover: no URL yet, nothing wrong with it either. */
function pendingTarget(email: EmailTarget): NormalizedTarget {
  return { ok: true, url: '', host: '', port: 0, scheme: '', safeInput: email.address, findings: [] };
}
