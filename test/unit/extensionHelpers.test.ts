// Plain Node tests of the extension's pure helpers (no vscode import): server keys, relative
// times, the webview message validator, the webview HTML shell and its CSP, settings → probe
// options, script kinds and the checklist Markdown.
import * as assert from 'node:assert/strict';
import { CHECKLISTS, getChecklist } from '../../src/diagnosis/checklists';
import { verificationScripts } from '../../src/diagnosis/verificationScripts';
import type { Checklist } from '../../src/diagnosis/diagnosisModel';
import { checklistMarkdown } from '../../src/extension/checklistMarkdown';
import { optionsFromSettings, recordSettingNotes } from '../../src/extension/probeSettings';
import { formatDuration, relativeTime } from '../../src/extension/relativeTime';
import { insertionText, scriptKindOf, scriptsFor } from '../../src/extension/scriptKinds';
import { PersistentState } from '../../src/extension/persistentState';
import { parsePasswordKey, passwordKey, serverKey, serverKeyOf, withoutCredentials } from '../../src/extension/serverKey';
import { readTypedTarget } from '../../src/extension/typedTarget';
import { contentSecurityPolicy, makeNonce, renderWebviewShell } from '../../src/extension/webviewHtml';
import { allStepIds, indexChecklists, isSafeExternalUrl, parseWebviewMessage } from '../../src/webview/webviewProtocol';
import { buildRun } from './helpers/runBuilder';

/** A small checklist with a sub-step, a command and a link, independent of the real data. */
const SAMPLE: Checklist = {
  id: 'sample',
  title: 'Sample *checklist*',
  why: 'Because [reasons](javascript:alert(1))',
  warnings: ['Mind the <b>gap</b>'],
  steps: [
    {
      id: 'one',
      text: 'First step',
      commands: [{ label: 'Check', language: 'powershell', code: 'Get-ActiveSyncVirtualDirectory | fl *auth*' }],
      links: [{ title: 'Docs', url: 'https://learn.microsoft.com/exchange' }],
      substeps: [{ id: 'one-a', text: 'Sub-step with `code`' }],
    },
    { id: 'two', text: 'Second step', commands: [{ label: 'Metabase', language: 'batch', code: 'cscript adsutil.vbs get w3svc/1/root/Microsoft-Server-ActiveSync/AuthFlags' }] },
  ],
  links: [{ title: 'Further', url: 'https://example.com/further' }],
};

describe('extension: server keys', () => {
  it('gives one key for the spellings of one server', () => {
    const key = serverKey('mail.contoso.com');
    assert.equal(key, 'mail.contoso.com');
    assert.equal(serverKey('Mail.Contoso.COM'), key);
    assert.equal(serverKey('https://mail.contoso.com/Microsoft-Server-ActiveSync'), key);
    assert.equal(serverKey('https://mail.contoso.com:443/'), key);
    assert.equal(serverKey('mail.contoso.com.'), key);
  });

  it('keeps non-default ports and drops credentials typed into the URL', () => {
    assert.equal(serverKey('https://mail.contoso.com:8443'), 'mail.contoso.com:8443');
    assert.equal(serverKey('https://user:secret@mail.contoso.com/'), 'mail.contoso.com');
    assert.equal(serverKey('   '), '');
  });

  it('removes user:password@ from typed URLs before they are logged or shown', () => {
    assert.equal(withoutCredentials('https://CONTOSO%5Cuser:S3cret!@mail.contoso.com/Microsoft-Server-ActiveSync'), 'https://mail.contoso.com/Microsoft-Server-ActiveSync');
    assert.equal(withoutCredentials('mail.contoso.com'), 'mail.contoso.com');
    assert.equal(withoutCredentials('https://mail.contoso.com/path@x'), 'https://mail.contoso.com/path@x');
  });

  it('keys an e-mail address target by the address, not by its domain', () => {
    assert.equal(serverKey('JDoe@Contoso.com'), 'jdoe@contoso.com');
    assert.notEqual(serverKey('jdoe@contoso.com'), serverKey('contoso.com'));
    assert.deepEqual(parsePasswordKey(passwordKey('jdoe@contoso.com', 'jdoe@contoso.com')), { server: 'jdoe@contoso.com', userName: 'jdoe@contoso.com' });
  });

  it('the Run Connectivity Test box takes an e-mail address as a target and offers it as the user name', () => {
    assert.deepEqual(readTypedTarget(' jdoe@contoso.com '), { target: 'jdoe@contoso.com', suggestedUserName: 'jdoe@contoso.com' });
    assert.deepEqual(readTypedTarget('mail.contoso.com'), { target: 'mail.contoso.com' });
    assert.deepEqual(readTypedTarget('jdoe:S3cret@mail.contoso.com'), { target: 'mail.contoso.com', dropped: 'password' });
    assert.deepEqual(readTypedTarget('https://jdoe@mail.contoso.com/'), { target: 'https://mail.contoso.com/', dropped: 'userName' });
  });

  it('round-trips password keys, including IPv6 hosts and DOMAIN\\user names', () => {
    const key = passwordKey('https://[::1]:8443/Microsoft-Server-ActiveSync', 'CONTOSO\\LabUser');
    assert.deepEqual(parsePasswordKey(key), { server: '[::1]:8443', userName: 'contoso\\labuser' });
    assert.deepEqual(parsePasswordKey(passwordKey('mail.contoso.com', 'a/b@contoso.com')), { server: 'mail.contoso.com', userName: 'a/b@contoso.com' });
    assert.equal(parsePasswordKey('ticks:x:y'), undefined);
  });
});

describe('extension: the server of a run, for checklist ticks', () => {
  /** globalState as a Map: what PersistentState stores, in memory. */
  function memoryState(): PersistentState {
    const values = new Map<string, unknown>();
    return new PersistentState({
      keys: () => [...values.keys()],
      get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
      update: async (key: string, value: unknown) => {
        if (value === undefined) values.delete(key);
        else values.set(key, value);
      },
    } as never);
  }

  it('keys a run by host and non-default port, as saved passwords are keyed', () => {
    assert.equal(serverKeyOf(buildRun({ host: 'Mail.Contoso.com', url: 'https://Mail.Contoso.com/Microsoft-Server-ActiveSync' })), 'mail.contoso.com');
    assert.equal(serverKeyOf(buildRun({ host: 'mail.contoso.com', url: 'https://mail.contoso.com:8443/Microsoft-Server-ActiveSync' })), 'mail.contoso.com:8443');
  });

  it('keeps separate ticks for two servers on one host (different ports)', async () => {
    const state = memoryState();
    const onDefaultPort = buildRun({ host: 'mail.contoso.com', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync' });
    const onOtherPort = buildRun({ host: 'mail.contoso.com', url: 'https://mail.contoso.com:8443/Microsoft-Server-ActiveSync' });
    await state.setTick(serverKeyOf(onDefaultPort), 'esm-2003-iwa', 'enable-iwa', true);
    assert.deepEqual(state.ticks(serverKeyOf(onDefaultPort), 'esm-2003-iwa'), ['enable-iwa']);
    assert.deepEqual(state.ticks(serverKeyOf(onOtherPort), 'esm-2003-iwa'), []);
  });

  it('keys lab runs by host alone: the lab gets new ports every session', () => {
    const lab = { ...buildRun({ host: '127.0.0.1', url: 'https://127.0.0.1:50123/Microsoft-Server-ActiveSync' }), labScenario: 'options401-iwa' };
    assert.equal(serverKeyOf(lab), '127.0.0.1');
  });
});

describe('extension: relative times', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('says how long ago a run was', () => {
    assert.equal(relativeTime('2024-05-01T11:59:55Z', now), 'just now');
    assert.equal(relativeTime('2024-05-01T11:59:30Z', now), '30 s ago');
    assert.equal(relativeTime('2024-05-01T11:57:00Z', now), '3 min ago');
    assert.equal(relativeTime('2024-05-01T09:00:00Z', now), '3 h ago');
    assert.equal(relativeTime('2024-04-29T12:00:00Z', now), '2 d ago');
    assert.equal(relativeTime('2024-03-01T12:00:00Z', now), '2024-03-01');
    assert.equal(relativeTime('not a date', now), 'unknown time');
  });

  it('formats durations for tree descriptions', () => {
    assert.equal(formatDuration(87.4), '87 ms');
    assert.equal(formatDuration(1400), '1.4 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
    assert.equal(formatDuration(-1), '');
  });
});

describe('extension: webview message validation', () => {
  const index = indexChecklists([SAMPLE]);

  it('accepts well-formed messages about things on screen', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }, index), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'tick', checklistId: 'sample', stepId: 'one-a', checked: true }, index), {
      type: 'tick', checklistId: 'sample', stepId: 'one-a', checked: true,
    });
    assert.deepEqual(parseWebviewMessage({ type: 'reset', checklistId: 'sample' }, index), { type: 'reset', checklistId: 'sample' });
    assert.deepEqual(parseWebviewMessage({ type: 'insertCommand', checklistId: 'sample', stepId: 'two', index: 0 }, index), {
      type: 'insertCommand', checklistId: 'sample', stepId: 'two', index: 0,
    });
    assert.deepEqual(parseWebviewMessage({ type: 'openLink', url: 'https://example.com/further' }, index), { type: 'openLink', url: 'https://example.com/further' });
    assert.deepEqual(parseWebviewMessage({ type: 'copyMarkdown', checklistId: 'sample' }, index), { type: 'copyMarkdown', checklistId: 'sample' });
  });

  it('drops unknown types, wrong field types and ids that do not exist', () => {
    const rejected: unknown[] = [
      null, 'ready', [], { type: 'eval', code: '1' }, { type: '__proto__' },
      { type: 'tick', checklistId: 'sample', stepId: 'one', checked: 'yes' },
      { type: 'tick', checklistId: 'sample', stepId: 'nope', checked: true },
      { type: 'tick', checklistId: 'other', stepId: 'one', checked: true },
      { type: 'reset', checklistId: 42 },
      { type: 'copyCommand', checklistId: 'sample', stepId: 'one', index: 1 },
      { type: 'copyCommand', checklistId: 'sample', stepId: 'one', index: 0.5 },
      { type: 'copyCommand', checklistId: 'sample', stepId: 'one', index: -1 },
      { type: 'copyMarkdown', checklistId: 'missing' },
      { type: 'openLink', url: 'http://example.com/further' },
      { type: 'openLink', url: 'javascript:alert(1)' },
      { type: 'openLink', url: 'https://evil.example/' }, // https, but not a link the page was given
      { type: 'openLink', url: 'command:workbench.action.terminal.new' },
    ];
    for (const message of rejected) assert.equal(parseWebviewMessage(message, index), undefined, JSON.stringify(message));
  });

  it('lets only credential-free https URLs out', () => {
    assert.equal(isSafeExternalUrl('https://learn.microsoft.com/'), true);
    assert.equal(isSafeExternalUrl('https://user:pw@learn.microsoft.com/'), false);
    assert.equal(isSafeExternalUrl('file:///etc/passwd'), false);
    assert.equal(isSafeExternalUrl('vscode://settings'), false);
    assert.equal(isSafeExternalUrl('not a url'), false);
  });

  it('lists every tickable id of the real checklists, with no duplicates within one checklist', () => {
    assert.ok(CHECKLISTS.length > 0);
    for (const checklist of CHECKLISTS) {
      const ids = allStepIds(checklist);
      assert.ok(ids.length > 0, checklist.id);
      assert.equal(new Set(ids).size, ids.length, `duplicate step ids in ${checklist.id}`);
      const idx = indexChecklists([checklist]);
      for (const id of ids) assert.ok(parseWebviewMessage({ type: 'tick', checklistId: checklist.id, stepId: id, checked: true }, idx));
    }
  });
});

describe('extension: webview HTML shell', () => {
  const input = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: makeNonce(),
    scriptUri: 'https://r/dist/media/diagnosisView.js',
    styleUris: ['https://r/c.css', 'https://r/base.css', 'https://r/s.css'],
    title: 'ActiveSync Diagnosis',
    loading: 'Loading the diagnosis…',
    rootTestId: 'diagnosis-root',
  };

  it('carries a CSP that allows only local styles/fonts/images and the nonce’d script', () => {
    const html = renderWebviewShell(input);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp);
    assert.equal(csp, contentSecurityPolicy(input.cspSource, input.nonce).replace(/'/g, '&#39;'));
    assert.match(csp, /default-src &#39;none&#39;/);
    assert.match(csp, new RegExp(`script-src &#39;nonce-${input.nonce.replace(/[+/=]/g, '\\$&')}&#39;`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${input.nonce}"`));
    assert.doesNotMatch(html, /https?:\/\/(?!r\/|file\+)/, 'no remote resources');
    assert.deepEqual([...html.matchAll(/<link href="([^"]+)" rel="stylesheet">/g)].map((m) => m[1]), input.styleUris, 'every stylesheet, in order');
  });

  it('uses a fresh 128-bit nonce every time', () => {
    const nonces = new Set(Array.from({ length: 50 }, makeNonce));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
  });

  it('escapes what it puts into attributes', () => {
    const html = renderWebviewShell({ ...input, scriptUri: 'https://r/x.js"><script>alert(1)</script>' });
    assert.equal([...html.matchAll(/<script\b/g)].length, 1);
    assert.ok(html.includes('&quot;&gt;&lt;script&gt;'));
  });
});

describe('extension: settings to probe options', () => {
  const base = { timeoutSeconds: 30, crossCheck: true, allowUntrustedCertificates: false, allowPlainHttp: false, httpProxy: '', httpProxyStrictSSL: true };

  it('maps the defaults without notes, leaving the proxy to the environment', () => {
    const { options, notes } = optionsFromSettings(base);
    assert.deepEqual(options, { timeouts: { overallMs: 30_000 }, crossCheck: true, ignoreTrust: false, allowHttp: false, proxy: undefined, auth: 'basic', domain: undefined, mode: 'commands', deviceId: undefined, deviceType: undefined });
    assert.deepEqual(notes, []);
  });

  it('maps the test depth and device identity; the light probe is noted in the run, full mode gets two minutes', () => {
    const light = optionsFromSettings({ ...base, testDepth: 'optionsOnly', deviceId: ' Helpdesk1 ', deviceType: 'Doctor' });
    assert.equal(light.options.mode, 'options');
    assert.equal(light.options.deviceId, 'Helpdesk1');
    assert.equal(light.options.deviceType, 'Doctor');
    assert.match(light.notes.join(' '), /not proven/);
    const full = optionsFromSettings({ ...base, testDepth: 'full' });
    assert.equal(full.options.mode, 'full');
    assert.equal(full.options.timeouts?.overallMs, 120_000);
    assert.equal(optionsFromSettings({ ...base, testDepth: 'bogus' }).options.mode, 'commands');
  });

  it('honours http.proxy, and http.proxyStrictSSL=false relaxes trust with a note', () => {
    const { options, notes } = optionsFromSettings({ ...base, httpProxy: ' http://proxy.contoso.com:8080 ', httpProxyStrictSSL: false });
    assert.equal(options.proxy, 'http://proxy.contoso.com:8080');
    assert.equal(options.ignoreTrust, true);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /proxyStrictSSL/);
  });

  it('clamps odd values', () => {
    const { options } = optionsFromSettings({ ...base, timeoutSeconds: 1, crossCheck: 'no' });
    assert.deepEqual(options.timeouts, { overallMs: 5000 });
    assert.equal(options.crossCheck, true);
  });

  it('records the notes in the input step of the run', () => {
    const run = buildRun();
    recordSettingNotes(run, ['note A']);
    assert.deepEqual(run.steps.find((s) => s.id === 'input')?.details.at(-1), { label: 'VS Code setting', value: 'note A' });
  });
});

describe('extension: verification scripts for the open file', () => {
  it('recognises script files by language id or extension', () => {
    assert.equal(scriptKindOf('powershell', 'x.txt'), 'powershell');
    assert.equal(scriptKindOf('plaintext', 'C:\\fix\\Configure.PS1'), 'powershell');
    assert.equal(scriptKindOf('plaintext', '/x/module.psm1'), 'powershell');
    assert.equal(scriptKindOf('bat', 'x'), 'batch');
    assert.equal(scriptKindOf('plaintext', 'fix.CMD'), 'batch');
    assert.equal(scriptKindOf('plaintext', 'fix.vbs'), 'vbscript');
    assert.equal(scriptKindOf('typescript', 'x.ts'), undefined);
  });

  it('picks the Exchange PowerShell check for .ps1 and the adsutil metabase check for .cmd/.vbs', () => {
    const scripts = verificationScripts();
    const ps = scriptsFor('powershell', scripts);
    assert.ok(ps.length > 0);
    assert.ok(ps.every((s) => s.language === 'powershell'));
    assert.match(ps[0].appliesTo, /2007|2010/);
    const batch = scriptsFor('batch', scripts);
    assert.match(batch[0].code, /adsutil\.vbs/i);
    const vbs = scriptsFor('vbscript', scripts);
    assert.match(vbs[0].code, /adsutil\.vbs/i);
  });

  it('inserts a cscript command line into a .vbs file as comments only', () => {
    const script = { id: 's', title: 'Read AuthFlags', language: 'batch' as const, code: 'cscript adsutil.vbs get x\ncscript adsutil.vbs get y\n', appliesTo: 'IIS 6' };
    assert.equal(insertionText('vbscript', script), "' Read AuthFlags (IIS 6)\n' cscript adsutil.vbs get x\n' cscript adsutil.vbs get y\n");
    assert.equal(insertionText('batch', script), 'REM Read AuthFlags (IIS 6)\ncscript adsutil.vbs get x\ncscript adsutil.vbs get y\n');
  });
});

describe('extension: checklist Markdown', () => {
  it('renders ticks as task-list boxes, sub-steps indented', () => {
    const md = checklistMarkdown(SAMPLE, ['one-a', 'two'], 'mail.contoso.com');
    assert.match(md, /^- \[ \] First step$/m);
    assert.match(md, /^ {2}- \[x\] Sub\\-step with \\`code\\`$/m);
    assert.match(md, /^- \[x\] Second step$/m);
    assert.match(md, /\[Docs\]\(https:\/\/learn\.microsoft\.com\/exchange\)/);
  });

  it('escapes checklist text, so data cannot add links or HTML', () => {
    const md = checklistMarkdown(SAMPLE, []);
    assert.doesNotMatch(md, /\]\(javascript:/);
    assert.doesNotMatch(md, /<b>/);
  });

  it('renders the real Exchange 2003 checklist with every step', () => {
    const checklist = getChecklist('esm-2003-iwa');
    assert.ok(checklist);
    const md = checklistMarkdown(checklist, []);
    assert.equal((md.match(/- \[ \]/g) ?? []).length, allStepIds(checklist).length);
  });
});
