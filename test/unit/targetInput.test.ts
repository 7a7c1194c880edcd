// Input normalisation and user-name judgement, as pure functions: what an admin types becomes
// the https ActiveSync URL, hostile or broken input is refused with a short message, and
// credentials typed into the address never survive into what is stored or shown.
import assert from 'node:assert/strict';
import { judgeUserName, normalizeTarget, userNameForm, type NormalizedTarget } from '../../src/probe/targetInput';

const SENTINEL = 'S3ntinel-Pa55!';

function categories(t: NormalizedTarget): string[] {
  return t.findings.map((f) => `${f.severity}:${f.category}`);
}

describe('normalizeTarget', () => {
  describe('accepted forms', () => {
    const cases: Array<{ input: string; url: string; host: string; port: number; findings?: string[] }> = [
      { input: 'mail.contoso.com', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: '  mail.contoso.com  ', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'MAIL.Contoso.COM', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'mail.contoso.com:8443', url: 'https://mail.contoso.com:8443/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 8443 },
      { input: 'https://mail.contoso.com', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'https://mail.contoso.com:443/', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'https://mail.contoso.com/microsoft-server-activesync/', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'mail.contoso.com.', url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 },
      { input: 'https://mail.contoso.com.:444', url: 'https://mail.contoso.com:444/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 444 },
      { input: '192.0.2.10', url: 'https://192.0.2.10/Microsoft-Server-ActiveSync', host: '192.0.2.10', port: 443 },
      { input: '::1', url: 'https://[::1]/Microsoft-Server-ActiveSync', host: '::1', port: 443 },
      { input: '[::1]', url: 'https://[::1]/Microsoft-Server-ActiveSync', host: '::1', port: 443 },
      { input: '[::1]:8443', url: 'https://[::1]:8443/Microsoft-Server-ActiveSync', host: '::1', port: 8443 },
      { input: 'https://[2001:db8::5]/', url: 'https://[2001:db8::5]/Microsoft-Server-ActiveSync', host: '2001:db8::5', port: 443 },
      { input: 'fe80::1', url: 'https://[fe80::1]/Microsoft-Server-ActiveSync', host: 'fe80::1', port: 443 },
      {
        input: 'https://mail.contoso.com/owa',
        url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
        host: 'mail.contoso.com',
        port: 443,
        findings: ['warning:input.unexpectedPath'],
      },
      {
        input: 'https://mail.contoso.com/proxy/Microsoft-Server-ActiveSync',
        url: 'https://mail.contoso.com/proxy/Microsoft-Server-ActiveSync',
        host: 'mail.contoso.com',
        port: 443,
        findings: ['warning:input.unexpectedPath'],
      },
      {
        input: 'https://mail.contoso.com/Microsoft-Server-ActiveSync?Cmd=Sync#x',
        url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
        host: 'mail.contoso.com',
        port: 443,
        findings: ['info:input.unexpectedPath'],
      },
    ];
    for (const c of cases) {
      it(`${JSON.stringify(c.input)} → ${c.url}`, () => {
        const t = normalizeTarget(c.input);
        assert.equal(t.ok, true, JSON.stringify(t.findings));
        assert.equal(t.url, c.url);
        assert.equal(t.host, c.host);
        assert.equal(t.port, c.port);
        assert.equal(t.scheme, 'https');
        assert.deepEqual(categories(t), c.findings ?? []);
      });
    }
  });

  describe('plain http', () => {
    it('is refused without allowHttp, naming --allow-http', () => {
      const t = normalizeTarget('http://mail.contoso.com');
      assert.equal(t.ok, false);
      assert.equal(t.url, '');
      assert.deepEqual(categories(t), ['error:input.plainHttpNotAllowed']);
      assert.match(t.findings[0].message, /--allow-http/);
    });

    it('is accepted with allowHttp, on port 80, with a warning', () => {
      const t = normalizeTarget('http://mail.contoso.com', { allowHttp: true });
      assert.equal(t.ok, true);
      assert.equal(t.url, 'http://mail.contoso.com/Microsoft-Server-ActiveSync');
      assert.equal(t.port, 80);
      assert.equal(t.scheme, 'http');
      assert.deepEqual(categories(t), ['warning:input.plainHttp']);
    });
  });

  describe('international and look-alike host names become punycode', () => {
    it('a Cyrillic "а" in exаmple.com is shown as xn--, with the Unicode form kept for display', () => {
      const t = normalizeTarget('ex\u0430mple.com');
      assert.equal(t.ok, true);
      assert.match(t.host, /^xn--/);
      assert.equal(t.host, 'xn--exmple-4nf.com');
      assert.equal(t.url, 'https://xn--exmple-4nf.com/Microsoft-Server-ActiveSync');
      assert.equal(t.displayHost, 'ex\u0430mple.com');
      assert.ok(t.findings.some((f) => f.message.includes('xn--exmple-4nf.com')));
      // Latin and Cyrillic in one label: a look-alike, so it warns rather than merely informs.
      assert.equal(t.findings.find((f) => f.category === 'input.invalidHost')?.severity, 'warning');
    });

    it('a plain ASCII name has no display form', () => {
      assert.equal(normalizeTarget('example.com').displayHost, undefined);
    });

    it('bücher.example', () => {
      const t = normalizeTarget('https://b\u00fccher.example/');
      assert.equal(t.host, 'xn--bcher-kva.example');
      assert.equal(t.displayHost, 'b\u00fccher.example');
      // One script (Latin with an umlaut) is an ordinary international name: information only.
      assert.equal(t.findings.find((f) => f.category === 'input.invalidHost')?.severity, 'info');
    });
  });

  describe('credentials in the address', () => {
    it('are stripped from safeInput and url, with a warning', () => {
      const t = normalizeTarget(`https://jdoe:${SENTINEL}@mail.contoso.com/Microsoft-Server-ActiveSync`);
      assert.equal(t.ok, true);
      assert.equal(t.safeInput, 'https://mail.contoso.com/Microsoft-Server-ActiveSync');
      assert.equal(t.url, 'https://mail.contoso.com/Microsoft-Server-ActiveSync');
      assert.deepEqual(categories(t), ['warning:input.credentialsInUrl']);
      assert.ok(!JSON.stringify(t).includes(SENTINEL));
      assert.ok(!JSON.stringify(t).includes('jdoe'));
    });

    it('are stripped when the address has no scheme (user:password@host)', () => {
      const t = normalizeTarget(`jdoe:${SENTINEL}@mail.contoso.com`);
      assert.ok(!JSON.stringify(t).includes(SENTINEL), `safeInput is ${JSON.stringify(t.safeInput)}`);
      assert.ok(t.findings.some((f) => f.category === 'input.credentialsInUrl'), JSON.stringify(t.findings));
    });

    it('are stripped even when the address is too long to use', () => {
      const t = normalizeTarget(`https://jdoe:${SENTINEL}@mail.contoso.com/${'a'.repeat(3000)}`);
      assert.equal(t.ok, false);
      assert.deepEqual(categories(t).at(-1), 'error:input.invalidUrl');
      assert.ok(!JSON.stringify(t).includes(SENTINEL), `safeInput is ${JSON.stringify(t.safeInput)}`);
    });
  });

  describe('refused input', () => {
    const refused: Array<[string, string, string]> = [
      ['file:///etc/passwd', 'input.unsupportedScheme', 'file:'],
      ['javascript:alert(1)', 'input.unsupportedScheme', 'javascript:'],
      ['JavaScript:alert(document.cookie)', 'input.unsupportedScheme', 'javascript:'],
      ['data:text/html,<script>x</script>', 'input.unsupportedScheme', 'data:'],
      ['ftp://mail.contoso.com', 'input.unsupportedScheme', 'ftp:'],
      ['', 'input.invalidUrl', 'Enter a server'],
      ['   ', 'input.invalidUrl', 'Enter a server'],
      ['mail contoso com', 'input.invalidUrl', 'spaces'],
      ['mail.contoso.com:99999', 'input.invalidPort', '65535'],
      ['mail.contoso.com:0', 'input.invalidPort', '65535'],
      ['mail..contoso.com', 'input.invalidHost', 'label'],
      [`${'a'.repeat(64)}.contoso.com`, 'input.invalidHost', 'label'],
      ['mail_server!.contoso.com', 'input.invalidHost', 'not a valid host name'],
    ];
    for (const [input, category, mention] of refused) {
      it(`${JSON.stringify(input)} → ${category}`, () => {
        const t = normalizeTarget(input);
        assert.equal(t.ok, false);
        assert.equal(t.url, '');
        assert.equal(t.findings.at(-1)?.category, category);
        assert.equal(t.findings.at(-1)?.severity, 'error');
        assert.ok(t.findings.at(-1)?.message.includes(mention), t.findings.at(-1)?.message);
      });
    }

    it('a 1 MB string gets a short message that does not echo it', () => {
      const huge = `mail.${'x'.repeat(1_000_000)}.com`;
      const t = normalizeTarget(huge);
      assert.equal(t.ok, false);
      assert.equal(t.findings.at(-1)?.category, 'input.invalidUrl');
      const message = t.findings.at(-1)?.message ?? '';
      assert.ok(message.length < 200, `message is ${message.length} characters`);
      assert.match(message, /1000009 characters/);
      assert.ok(t.safeInput.length < 100, `safeInput is ${t.safeInput.length} characters`);
      assert.ok(JSON.stringify(t).length < 1000);
    });

    it('a long host label is abbreviated in the message', () => {
      const t = normalizeTarget(`${'b'.repeat(1500)}.com`);
      assert.equal(t.ok, false);
      assert.ok((t.findings.at(-1)?.message.length ?? 0) < 300);
    });
  });
});

describe('user names', () => {
  it('userNameForm tells UPN, DOMAIN\\user, bare and none apart', () => {
    assert.equal(userNameForm('jdoe@contoso.com'), 'upn');
    assert.equal(userNameForm('CONTOSO\\jdoe'), 'downLevel');
    assert.equal(userNameForm('jdoe'), 'bare');
    assert.equal(userNameForm('jdoe@contoso'), 'bare');
    assert.equal(userNameForm(''), 'none');
    assert.equal(userNameForm(undefined), 'none');
  });

  const cases: Array<{ user: string | undefined; host: string; expected: string[] }> = [
    { user: 'jdoe@contoso.com', host: 'mail.contoso.com', expected: [] },
    { user: 'CONTOSO\\jdoe', host: 'mail.contoso.com', expected: [] },
    { user: 'jdoe', host: 'mail.contoso.com', expected: [] },
    { user: 'jdoe@contoso.com', host: 'outlook.office365.com', expected: [] },
    { user: 'jdoe', host: 'outlook.office365.com', expected: ['warning:input.userNameForm'] },
    { user: 'CONTOSO\\jdoe', host: 'outlook.office365.com', expected: ['warning:input.userNameForm'] },
    { user: 'jdoe', host: 'eur.outlook.office365.com', expected: ['warning:input.userNameForm'] },
    { user: 'jdoe', host: 'notoutlook.office365.com.evil.example', expected: [] },
    { user: 'CONTOSO\\sub\\jdoe', host: 'mail.contoso.com', expected: ['error:input.userNameForm'] },
    { user: 'jd:oe', host: 'mail.contoso.com', expected: ['error:input.userNameForm'] },
    { user: 'jd:oe@contoso.com', host: 'mail.contoso.com', expected: ['error:input.userNameForm'] },
    { user: 'jd\u0000oe', host: 'mail.contoso.com', expected: ['error:input.userNameForm'] },
    { user: 'jd\u001b[31moe', host: 'mail.contoso.com', expected: ['error:input.userNameForm'] },
    { user: 'x'.repeat(600), host: 'mail.contoso.com', expected: ['error:input.userNameForm'] },
    { user: undefined, host: 'mail.contoso.com', expected: ['info:input.missingUser'] },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.user?.slice(0, 30))} for ${c.host} → ${c.expected.join(', ') || 'fine'}`, () => {
      const findings = judgeUserName(c.user, c.host);
      assert.deepEqual(findings.map((f) => `${f.severity}:${f.category}`), c.expected);
      for (const f of findings) assert.ok(f.message.length < 300, 'message stays short');
    });
  }

  it('the Office 365 warning says to use the full UPN', () => {
    const [finding] = judgeUserName('jdoe', 'outlook.office365.com');
    assert.match(finding.message, /user@domain\.com/);
    assert.match(finding.message, /bare name/);
  });
});
