// Hostile servers below and at the HTTP layer: silent after TCP, garbage instead of TLS, silent
// after TLS, headers dripped a byte at a time, an endless body, megabytes of headers, broken
// status lines and connections cut mid-headers. Each must end in a precise failed or warning
// step inside the configured limits, never a hang, a crash or unbounded memory.
import assert from 'node:assert/strict';
import { useHostileServers } from '../hostile/hostileServers';
import { assertEndedWith, flatSteps, HOSTILE_TIMEOUTS, probeHostile } from '../hostile/probeHarness';
import type { ProbeRun } from '../../src/probe/runModel';

describe('hostile servers: transport and HTTP framing', function () {
  this.timeout(10_000);
  const start = useHostileServers();

  /** No step may end because the overall deadline fired: each protection has its own, shorter limit. */
  const assertNotOverall = (run: ProbeRun) => {
    const timedOut = flatSteps(run).find((s) => s.failure?.category === 'run.timeout');
    assert.equal(timedOut, undefined, `the overall limit had to stop the run: ${timedOut?.summary}`);
    assert.notEqual(run.outcome, 'cancelled');
  };

  it('a server that accepts TCP and never answers ends in tls.handshakeTimeout', async () => {
    const server = await start('silentTcp');
    const run = await probeHostile(server);
    assertEndedWith(run, 'tls', 'tls.handshakeTimeout');
    assertNotOverall(run);
    assert.equal(run.steps.find((s) => s.id === 'optionsAnonymous')?.status, 'skipped');
  });

  it('a server that answers the ClientHello with garbage ends in tls.handshakeFailed, saying the answer was not TLS', async () => {
    const server = await start('garbageHello');
    const run = await probeHostile(server);
    const step = assertEndedWith(run, 'tls', 'tls.handshakeFailed');
    assert.match(step.summary, /^The server did not answer in TLS: what came back is not a TLS record \(OpenSSL: wrong version number\)/);
    assert.doesNotMatch(step.summary, /SSL routines|deps\/openssl|\.c:\d/, 'OpenSSL internals in the summary');
    assertNotOverall(run);
  });

  it('an SMTP banner on the HTTPS port ends in tls.handshakeFailed, saying the answer was not TLS', async () => {
    const server = await start('smtpBanner');
    const run = await probeHostile(server);
    const step = assertEndedWith(run, 'tls', 'tls.handshakeFailed');
    assert.match(step.summary, /did not answer in TLS/);
    assertNotOverall(run);
  });

  it('TLS completes but HTTP never answers: http.timeout after headersMs', async () => {
    const server = await start('tlsSilentHttp');
    const run = await probeHostile(server);
    assert.equal(run.steps.find((s) => s.id === 'tls')?.status, 'passed');
    const step = assertEndedWith(run, 'optionsAnonymous', 'http.timeout');
    assert.match(step.summary, new RegExp(`${HOSTILE_TIMEOUTS.headersMs} ms`));
    assertNotOverall(run);
  });

  it('headers dripped one byte at a time end in http.timeout at headersMs, not when the drip stops', async () => {
    // One byte every 100 ms: a timer that restarted on each byte would never fire before the overall limit.
    const server = await start('slowHeaders', { byteIntervalMs: 100 });
    const run = await probeHostile(server);
    assertEndedWith(run, 'optionsAnonymous', 'http.timeout');
    assertNotOverall(run);
  });

  it('an endless body: the run completes, the body is cut short and memory stays bounded', async () => {
    const server = await start('endlessBody');
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let run: ProbeRun;
    try {
      run = await probeHostile(server, { limits: { maxBodyBytes: 512 * 1024 } });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    assertNotOverall(run);
    const anon = run.steps.find((s) => s.id === 'optionsAnonymous');
    assert.ok(anon && (anon.status === 'warning' || anon.status === 'passed'), anon?.summary);
    const response = anon.evidence.http?.[0]?.response;
    assert.ok(response, 'no response recorded');
    assert.equal(response.bodyTruncated, true);
    assert.ok(response.bodySnippet.length <= 4096, `snippet of ${response.bodySnippet.length} characters kept`);
    assert.ok(peak - before < 100 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MB`);
    assert.ok(JSON.stringify(run).length < 100_000, 'the run holds more than a snippet of the body');
  });

  // One byte every 100 ms keeps each gap well inside bodyMs (300 ms): only a limit on the whole
  // answer (headersMs + bodyMs from the request) stops the drip before the overall limit does.
  const DRIP_SUMMARY = /kept sending the response body too slowly: \d+ bytes? in \d+ ms/;

  it('an OPTIONS answer whose body drips one byte at a time ends in http.timeout on that step, not at the overall limit', async () => {
    const server = await start('slowBody', { byteIntervalMs: 100 });
    const run = await probeHostile(server);
    const step = assertEndedWith(run, 'optionsAnonymous', 'http.timeout');
    assert.match(step.summary, DRIP_SUMMARY);
    assertNotOverall(run);
    assert.ok(run.durationMs < HOSTILE_TIMEOUTS.overallMs, `the run took ${run.durationMs} ms`);
  });

  it('a command answer whose body drips one byte at a time ends in http.timeout on that command step', async () => {
    const server = await start('slowBody', { byteIntervalMs: 100, drip: 'commands' });
    const run = await probeHostile(server, { userName: 'jdoe', password: 'secret-pass', timeouts: { overallMs: 4000 } });
    const failed = flatSteps(run).find((s) => s.status === 'failed');
    assert.ok(failed, `no failed step: ${run.steps.map((s) => `${s.id} ${s.status}`).join(', ')}`);
    assert.equal(failed.failure?.category, 'http.timeout', `${failed.id}: ${failed.summary}`);
    assert.match(failed.summary, DRIP_SUMMARY);
    assertNotOverall(run);
  });

  it('the dripped body is cut at the run\'s own limit when that comes first, and still names the slow answer', async () => {
    // headersMs + bodyMs (10 s) is beyond the overall limit: the answer must be cut before the run's end.
    const server = await start('slowBody', { byteIntervalMs: 100 });
    const run = await probeHostile(server, { timeouts: { headersMs: 5000, bodyMs: 5000, overallMs: 2500 } });
    const step = assertEndedWith(run, 'optionsAnonymous', 'http.timeout');
    assert.match(step.summary, DRIP_SUMMARY);
    assertNotOverall(run);
  });

  // The size cap must stop these, whatever the clock says: under CPU load the 300 ms header timer
  // could otherwise fire while the parser is still counting bytes, and the test would race two protections.
  const SIZE_NOT_TIME = { headersMs: 5000, overallMs: 8000 };

  it('a multi-megabyte header ends in http.tooLarge', async () => {
    const server = await start('hugeHeader');
    const run = await probeHostile(server, { timeouts: SIZE_NOT_TIME });
    assertEndedWith(run, 'optionsAnonymous', 'http.tooLarge');
    assertNotOverall(run);
  });

  it('ten thousand headers end in http.tooLarge', async () => {
    const server = await start('manyHeaders');
    const run = await probeHostile(server, { timeouts: SIZE_NOT_TIME });
    assertEndedWith(run, 'optionsAnonymous', 'http.tooLarge');
    assertNotOverall(run);
  });

  for (const statusLine of ['HTTP/1.1 banana', 'HTTP/9.9 200 OK', 'HTTP/1.1 2000 OK', 'ICY 200 OK']) {
    it(`the status line "${statusLine}" ends in http.malformed`, async () => {
      const server = await start('badStatusLine', { statusLine });
      const run = await probeHostile(server);
      assertEndedWith(run, 'optionsAnonymous', 'http.malformed');
      assertNotOverall(run);
    });
  }

  it('a reply with no status line ends in http.malformed', async () => {
    const server = await start('noStatusLine');
    const run = await probeHostile(server);
    assertEndedWith(run, 'optionsAnonymous', 'http.malformed');
    assertNotOverall(run);
  });

  it('a TCP reset in the middle of the headers ends in http.connectionClosed', async () => {
    const server = await start('resetMidHeaders');
    const run = await probeHostile(server);
    assertEndedWith(run, 'optionsAnonymous', 'http.connectionClosed');
    assertNotOverall(run);
  });

  it('a close in the middle of the headers ends in http.connectionClosed', async () => {
    const server = await start('closeMidHeaders');
    const run = await probeHostile(server);
    assertEndedWith(run, 'optionsAnonymous', 'http.connectionClosed');
    assertNotOverall(run);
  });
});
