// The Markdown report must carry hostile server and user text as inert text: rendered with a real
// Markdown engine (HTML allowed, the worst case), no tag, link or image may come from it.
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnosis/diagnose';
import { getChecklist } from '../../src/diagnosis/checklists';
import { renderDiagnosisText, renderRunMarkdown } from '../../src/diagnosis/markdownReport';
import type { ProbeRun } from '../../src/probe/runModel';
import { challenge, response, unauthorizedRun } from './helpers/runBuilder';

// markdown-it ships with @vscode/vsce (a dev dependency); it is the engine VS Code's preview uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (options: Record<string, unknown>) => { render(src: string): string };
const renderer = new MarkdownIt({ html: true, linkify: true });

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[click](javascript:alert(1))',
  '![pixel](https://evil.example/p.png)',
  '```\n# injected heading\n```',
  'a | b | c',
  '`code` and ```` fence',
  '<a href="javascript:alert(2)">x</a>',
  '\u001b[31mred\u001b[0m',
].join(' ');

function hostileRun(): ProbeRun {
  const run = unauthorizedRun({
    userName: 'alice<script>alert(3)</script>',
    headers: [
      ['X-Evil', HOSTILE],
      ['WWW-Authenticate', 'Basic realm="<img src=x onerror=alert(4)>"'],
      ['X-MS-Location', 'javascript:alert(5)'],
    ],
    challenges: [challenge('Basic', { realm: '](javascript:alert(6))' })],
  });
  const opts = run.steps.find((s) => s.id === 'optionsAuthenticated')!;
  opts.summary = `401 ${HOSTILE}`;
  opts.details.push({ label: '<b>label</b>', value: HOSTILE });
  opts.evidence.http!.push(response(401, [['Server', '|pipe|in|table|']], `<html><script>steal()</script>\u001b]0;owned\u0007\u009b2J\n\`\`\`\`\`\nbreak out of fence?\n</html>`));
  opts.children.push({ ...opts, id: 'child', children: [], title: '<script>child</script>' });
  run.target.input = 'https://mail.contoso.com/<script>';
  return run;
}

/** Splits Markdown into text outside fences and the fenced blocks, failing on an unclosed fence. */
function splitFences(markdown: string): { outside: string; blocks: string[] } {
  const lines = markdown.split('\n');
  const outside: string[] = [];
  const blocks: string[] = [];
  let open: { fence: string; lines: string[] } | undefined;
  for (const line of lines) {
    const m = /^\s*(`{3,})/.exec(line);
    if (open) {
      if (m && line.trim() === open.fence) {
        blocks.push(open.lines.join('\n'));
        open = undefined;
      } else open.lines.push(line);
    } else if (m) open = { fence: m[1], lines: [] };
    else outside.push(line);
  }
  assert.equal(open, undefined, 'every fence is closed');
  return { outside: outside.join('\n'), blocks };
}

describe('renderRunMarkdown', () => {
  it('renders the target, user, outcome, steps, diagnosis and checklists', () => {
    const run = unauthorizedRun({ crossCheck: [{ endpoint: 'ews', accepted: true }] });
    const d = diagnose(run);
    const md = renderRunMarkdown(run, d, { 'esm-2003-iwa': ['install-hotfix', 'verify-open-iis-manager'] });
    assert.match(md, /^# ActiveSync Doctor report: mail\\\.contoso\\\.com/);
    assert.match(md, /\| Outcome \| ❌ Failed \|/);
    assert.match(md, /CONTOSO\\\\alice/);
    assert.match(md, /## Steps/);
    assert.match(md, /❌ failed \*\*Step optionsAuthenticated\*\* \(12 ms\)/);
    assert.match(md, /## Diagnosis/);
    assert.match(md, /### 1\. Exchange 2003 mailbox/);
    assert.match(md, /\*\*Evidence against\*\*/);
    assert.match(md, /## Remediation checklists/);
    // Ticks show as [x], the rest as [ ], sub-steps nested under their parent.
    assert.match(md, /^- \[x\] Install the hotfix/m);
    assert.match(md, /^- \[ \] On the Exchange 2003 mailbox server/m);
    assert.match(md, /^ {2}- \[x\] Open Internet Information Services/m);
    assert.match(md, /^ {2}- \[ \] Expand the server/m);
    assert.match(md, /Progress: 2 of \d+ ticked/);
    // Commands sit in fenced blocks inside the list item.
    assert.match(md, /\n {2}```batch\n {2}REM Exchange 2003 server/);
    assert.match(md, /\[KB 937031[^\]]*\]\(<https:\/\/go\.microsoft\.com\/fwlink\/p\/\?linkid=3052&kbid=937031>\)/);
    // The checklists of the causes appear; unrelated ones don't.
    assert.ok(md.includes(getChecklist('esm-2003-iwa')!.title.replace(/[()]/g, (c) => `\\${c}`)));
    assert.ok(!md.includes('Let OPTIONS through'));
  });

  it('renders a run without a diagnosis, and a passed run with an empty cause list', () => {
    const run = unauthorizedRun();
    const plain = renderRunMarkdown(run);
    assert.doesNotMatch(plain, /## Diagnosis/);
    assert.match(plain, /## Steps/);
    const passed = { ...run, outcome: 'passed' as const, steps: run.steps.map((s) => ({ ...s, status: 'passed' as const, failure: undefined })) };
    const md = renderRunMarkdown(passed, diagnose(passed));
    assert.match(md, /No problems found/);
    assert.doesNotMatch(md, /## Remediation checklists/);
  });

  it('keeps hostile server and user text inert', () => {
    const run = hostileRun();
    const md = renderRunMarkdown(run, diagnose(run));
    const { outside, blocks } = splitFences(md);
    // Outside fences nothing is raw: no tags, no link or image syntax built from server text.
    assert.doesNotMatch(outside, /(^|[^\\])<(script|img|a|b)\b/i);
    assert.ok(!outside.includes('](javascript:'));
    assert.ok(!outside.includes('](https://evil'));
    assert.ok(!outside.includes('\u001b'), 'no terminal escapes');
    // The raw body is kept as evidence, but only inside a fence longer than any backtick run in it.
    const body = blocks.find((b) => b.includes('steal()'));
    assert.ok(body, 'body snippet is present as a fenced block');
    assert.ok(body.includes('`````'), 'the hostile backticks stayed inside the fence');
    // Even inside the fence, control bytes are shown as text: a saved report can't drive a terminal.
    assert.doesNotMatch(md, /[\u001b\u0007\u009b]/);
    assert.ok(body.includes('\\x1b]0;owned'), body);
    // Table rows keep their column count despite pipes in the values.
    const serverRow = md.split('\n').find((l) => l.includes('pipe'))!;
    assert.equal(serverRow.split(/(?<!\\)\|/).length, 4, serverRow);
  });

  it('renders to HTML without live tags, links or images from server text', () => {
    const run = hostileRun();
    const html = renderer.render(renderRunMarkdown(run, diagnose(run)));
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<b>label/i);
    assert.doesNotMatch(html, /href="javascript:/i);
    assert.doesNotMatch(html, /href="https:\/\/evil/i);
    assert.doesNotMatch(html, /<h1>injected heading/i);
    // The only links are our own https checklist links.
    for (const m of html.matchAll(/href="([^"]*)"/g)) assert.match(m[1], /^https:\/\/(go\.microsoft\.com|testconnectivity\.microsoft\.com|techcommunity\.microsoft\.com)\//);
    // And the hostile text is still there, as text, for the admin to read.
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });
});

describe('renderDiagnosisText', () => {
  it('wraps to the width, keeps ranks, confidence, evidence, checks and checklist ids, and uses no Markdown', () => {
    const d = diagnose(unauthorizedRun());
    const lines = renderDiagnosisText(d, { width: 60 });
    assert.match(lines[0], /^Diagnosis: /);
    assert.ok(lines.some((l) => /^To settle it: /.test(l)));
    assert.ok(lines.some((l) => /^1\. Wrong user name or password/.test(l)));
    assert.ok(lines.some((l) => /\[medium confidence\]/.test(l)));
    assert.ok(lines.some((l) => /Evidence for:/.test(l)));
    assert.ok(lines.some((l) => /Checklist esm-2003-iwa:/.test(l)));
    for (const l of lines) {
      assert.ok(l.length <= 60 || !/\s/.test(l.trim()), `too long: ${l}`);
      assert.doesNotMatch(l, /\*\*|^#|\]\(/);
    }
  });

  it('a passed run is only the headline', () => {
    const run = unauthorizedRun();
    const passed = { ...run, outcome: 'passed' as const, steps: run.steps.map((s) => ({ ...s, status: 'passed' as const, failure: undefined })) };
    const lines = renderDiagnosisText(diagnose(passed), { width: 200 });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^Diagnosis: OPTIONS and sign-in work; Provision, FolderSync and Sync were not run/);
  });
});
