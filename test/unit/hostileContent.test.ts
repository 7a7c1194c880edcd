// Hostile text from a server: markup and Markdown in header values, terminal escape sequences and
// invalid UTF-8. The run keeps what the server said (it is evidence), but no export or screen may
// let it act: the Markdown report has no live HTML, links or broken tables, and the CLI writes no
// escape sequence, BEL or C1 control to the terminal, whatever the output mode.
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnosis/diagnose';
import { renderRunMarkdown } from '../../src/diagnosis/markdownReport';
import { startHostileServer, type HostileServer } from '../hostile/hostileServers';
import { assertNoStackTrace, assertTerminalClean, cliArgs, probeHostile, runCli } from '../hostile/probeHarness';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const LINK = '[click](javascript:alert(1))';
const TICKS = '`rm -rf /` ``` | a | b |';

/** Markdown with fenced code blocks removed (CommonMark rule: a closing fence is at least as long as the opening one). */
function outsideFences(markdown: string): string {
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const t = line.trim();
    if (fence === undefined) {
      const open = /^(`{3,})[^`]*$/.exec(t);
      if (open) fence = open[1];
      else kept.push(line);
    } else if (new RegExp(`^\`{${fence.length},}\\s*$`).test(t)) {
      fence = undefined;
    }
  }
  assert.equal(fence, undefined, 'a fenced block is never closed: the rest of the report would render as code');
  return kept.join('\n');
}

/** Occurrences of `needle` whose first character is not backslash-escaped (an even run of backslashes before it). */
function unescaped(text: string, needle: string): number {
  let count = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    let slashes = 0;
    while (i - slashes - 1 >= 0 && text[i - slashes - 1] === '\\') slashes++;
    if (slashes % 2 === 0) count++;
  }
  return count;
}

function assertInertMarkdown(markdown: string): void {
  const prose = outsideFences(markdown);
  assert.equal(unescaped(prose, '<script'), 0, 'raw <script in the Markdown');
  assert.equal(unescaped(prose, '<img'), 0, 'raw <img in the Markdown');
  assert.equal(prose.includes('](javascript:'), false, 'a javascript: link in the Markdown');
  assert.equal(unescaped(prose, '`'), 0, 'a raw backtick outside code blocks');
  for (const row of prose.split('\n').filter((l) => l.startsWith('|'))) {
    assert.equal(unescaped(row, '|'), 3, `a table row with extra columns: ${row.slice(0, 120)}`);
  }
}

describe('hostile servers: markup, Markdown and terminal escapes in what they send', function () {
  this.timeout(10_000);
  let markup: HostileServer;
  let escapes: HostileServer;
  before(async () => {
    markup = await startHostileServer('exchange', {
      realm: SCRIPT,
      easBuild: `15.1 ${IMG}`,
      extraHeaders: [`X-FEServer: ${IMG} ${LINK}`, `X-MS-Location: ${LINK}`, `X-DiagInfo: ${TICKS}`, `X-BEServer: ${SCRIPT}`],
      body: `${SCRIPT}\n\`\`\`\n${LINK}\n`,
    });
    escapes = await startHostileServer('exchange', {
      // The reason phrase is the one place an HTTP parser lets raw C0 controls through.
      challengeStatusLine: Buffer.from('HTTP/1.1 401 Un\x1b[2J\x1b]0;owned\x07auth\u009b31m', 'utf8'),
      realm: Buffer.from([...Buffer.from('realm\u009b2J', 'utf8'), 0xff, 0xfe, 0x9b, 0xc3, 0x28]),
      easBuild: Buffer.from([...Buffer.from('15.1 \u009b[31m', 'utf8'), 0x9b, 0x80]),
      body: 'body \x1b[2J\x1b]0;owned\x07 \u009b31m \x00 end',
      extraHeaders: [Buffer.from('X-FEServer: fe\u009b2J\u0085\u2028\u202etxt.exe', 'utf8'), Buffer.from([...Buffer.from('X-BEServer: be'), 0x9b, 0xff])],
    });
  });
  after(async () => {
    await markup.close();
    await escapes.close();
  });

  it('the run keeps markup in header values as data', async () => {
    const run = await probeHostile(markup, { userName: 'user@contoso.com', password: 'pw' });
    const json = JSON.stringify(run);
    assert.equal(run.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'passed');
    for (const raw of [SCRIPT, IMG, LINK, TICKS]) assert.ok(json.includes(JSON.stringify(raw).slice(1, -1)), `the run lost ${raw}`);
  });

  it('the Markdown export of that run has no live HTML, links, code spans or extra table columns', async () => {
    const run = await probeHostile(markup, { userName: 'user@contoso.com', password: 'pw' });
    const markdown = renderRunMarkdown(run, diagnose(run));
    assert.ok(markdown.includes('alert\\(1\\)'), 'the hostile values are not in the report at all, so the check proves nothing');
    assertInertMarkdown(markdown);
  });

  it('a 401 run with markup in the realm: the Markdown export stays inert too', async () => {
    const server = await startHostileServer('exchange', { realm: `${SCRIPT}${LINK}`, authenticatedStatus: 401, extraHeaders: [`X-FEServer: ${IMG}`] });
    try {
      const run = await probeHostile(server, { userName: 'user@contoso.com', password: 'pw', crossCheck: true });
      assertInertMarkdown(renderRunMarkdown(run, diagnose(run)));
    } finally {
      await server.close();
    }
  });

  it('the CLI shows markup as plain text and its --markdown output is inert', async () => {
    const human = await runCli(cliArgs(markup, '--user', 'user@contoso.com', '--verbose'), { password: 'pw' });
    assert.equal(human.code, 0, human.stderr);
    assert.ok(human.stdout.includes(IMG), 'the header value is not shown');
    assertTerminalClean({ bytes: human.stdoutBytes, text: human.stdout }, 'human stdout');
    const markdown = await runCli(cliArgs(markup, '--user', 'user@contoso.com', '--markdown'), { password: 'pw' });
    assert.equal(markdown.code, 0, markdown.stderr);
    assertInertMarkdown(markdown.stdout);
  });

  it('the run records escape sequences and invalid UTF-8 without failing the probe', async () => {
    const run = await probeHostile(escapes, { userName: 'user@contoso.com', password: 'pw' });
    const anon = run.steps.find((s) => s.id === 'optionsAnonymous');
    assert.equal(anon?.status, 'passed', anon?.summary);
    assert.ok(JSON.stringify(run).includes('\\u001b[2J'), 'the reason phrase with ESC is not in the run, so the terminal checks prove nothing');
  });

  for (const mode of [[], ['--verbose'], ['--verbose', '--log-http'], ['--markdown'], ['--json']]) {
    it(`no ESC, BEL or C1 control reaches the terminal: probe ${mode.join(' ') || '(human)'}`, async () => {
      const result = await runCli(cliArgs(escapes, '--user', 'user@contoso.com', ...mode), { password: 'pw' });
      assert.equal(result.code, 0, result.stderr);
      assertTerminalClean({ bytes: result.stdoutBytes, text: result.stdout }, 'stdout');
      assertTerminalClean({ bytes: result.stderrBytes, text: result.stderr }, 'stderr');
      assertNoStackTrace(result.stdout + result.stderr);
      if (mode.includes('--log-http')) assert.match(result.stderr, /X-FEServer/, 'the HTTP log was not written');
      if (mode.includes('--json')) {
        const parsed = JSON.parse(result.stdout) as { run: { steps: Array<{ evidence: { http?: Array<{ response?: { statusText: string } }> } }> } };
        const statusText = parsed.run.steps.flatMap((s) => s.evidence.http ?? [])[0]?.response?.statusText;
        assert.ok(statusText?.includes('\x1b[2J'), 'the JSON no longer carries the raw reason phrase as data');
      }
    });
  }
});
