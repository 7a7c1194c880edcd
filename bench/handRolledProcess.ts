// Figure 2's floor for any Node client: a whole Node process that does the hand-rolled client's
// network work (lookup, TCP, TLS against the given CA, both OPTIONS) and nothing else. What the
// CLI takes beyond this process is its own; what this takes beyond `node -e 0` is Node's
// networking and TLS modules and the handshake, which no Node CLI can skip.
// Usage: node out/bench/handRolledProcess.js <url> <ca-file> <user>, password in ACTIVESYNC_PASSWORD.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { handRolledProbe } from './handRolledProbe';

const [url, caFile, user] = process.argv.slice(2);
const authorization = `Basic ${Buffer.from(`${user}:${process.env.ACTIVESYNC_PASSWORD ?? ''}`).toString('base64')}`;
handRolledProbe(url, createSecureContext({ ca: readFileSync(caFile, 'utf8') }), authorization).then(
  ({ statuses }) => {
    process.stdout.write(`${statuses.join(' ')}\n`);
    process.exitCode = statuses.join(' ') === '401 200' ? 0 : 1;
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
