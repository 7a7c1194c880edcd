// A password typed inside the server address: user info is split off at the last "@" before the
// host, nothing of it is used, stored or shown, and the user is told it was discarded. An echoing
// canary records every Authorization it receives and reflects it, so a leak would show twice.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRunMarkdown } from '../../src/diagnosis/markdownReport';
import { diagnose } from '../../src/diagnosis/diagnose';
import { HistoryStore } from '../../src/history/historyStore';
import { normalizeTarget } from '../../src/probe/targetInput';
import { redactUrlUserInfo, removeUserInfo } from '../../src/probe/urlUserInfo';
import { withoutCredentials } from '../../src/extension/serverKey';
import { useHostileServers } from '../hostile/hostileServers';
import { assertNoStackTrace, cliArgs, probeHostile, runCli } from '../hostile/probeHarness';

// Odd capitals keep every fragment distinctive, so a match means a leak, not an ordinary word.
const PASSWORDS = ['SeqX/reTt99', 'PaqX?ssZ#woJ:rdK', 'pqX@ssZq@woRdj', 'wiTh spaCe sXq', 'enc%40odeZd%2FqZ', 'aLLq/?#@: oFThem'];

function leaks(text: string, password: string): string | undefined {
  const forms = [password, encodeURIComponent(password), Buffer.from(password).toString('base64')];
  // Fragments after a separator are what a first-"@" or first-"/" parser used to keep.
  for (const part of password.split(/[/?#@: ]/).filter((p) => p.length >= 3)) forms.push(part);
  return forms.find((f) => text.includes(f));
}

describe('redactUrlUserInfo: URLs inside what a server sent', () => {
  const cases: Array<[string, string]> = [
    ['https://svc:pa$$@mail.contoso.com/Microsoft-Server-ActiveSync', 'https://[user info removed]@mail.contoso.com/Microsoft-Server-ActiveSync'],
    ['<Url>https://svc:p@ss/w?rd@eas.contoso.com/Microsoft-Server-ActiveSync</Url>', '<Url>https://[user info removed]@eas.contoso.com/Microsoft-Server-ActiveSync</Url>'],
    ['{"Protocol":"ActiveSync","Url":"https://jdoe@outlook.office365.com/Microsoft-Server-ActiveSync"}', '{"Protocol":"ActiveSync","Url":"https://[user info removed]@outlook.office365.com/Microsoft-Server-ActiveSync"}'],
    ['see http://a:b@one.example and https://c:d@two.example/x', 'see http://[user info removed]@one.example and https://[user info removed]@two.example/x'],
  ];
  for (const [sent, kept] of cases) {
    it(`${JSON.stringify(sent)} keeps no user info`, () => assert.equal(redactUrlUserInfo(sent), kept));
  }
  for (const untouched of ['https://mail.contoso.com/Microsoft-Server-ActiveSync?User=jdoe@contoso.com&DeviceId=1', 'jdoe@contoso.com', 'Negotiate, NTLM, Basic realm="mail"', '']) {
    it(`${JSON.stringify(untouched)} is left as sent`, () => assert.equal(redactUrlUserInfo(untouched), untouched));
  }
});

describe('credentials typed in the server address', function () {
  this.timeout(20_000);
  const start = useHostileServers();

  describe('removeUserInfo and normalizeTarget', () => {
    for (const password of PASSWORDS) {
      for (const prefix of ['https://', '']) {
        const input = `${prefix}jdoe:${password}@mail.contoso.com:8443/Microsoft-Server-ActiveSync`;
        it(`${JSON.stringify(input)}: the host is mail.contoso.com:8443, nothing of the password kept`, () => {
          const split = removeUserInfo(input);
          assert.equal(split.text, `${prefix}mail.contoso.com:8443/Microsoft-Server-ActiveSync`);
          assert.equal(split.hadPassword, true);
          const t = normalizeTarget(input);
          assert.equal(t.ok, true, JSON.stringify(t.findings));
          assert.equal(t.url, 'https://mail.contoso.com:8443/Microsoft-Server-ActiveSync');
          assert.equal(leaks(JSON.stringify(t), password), undefined, JSON.stringify(t));
          assert.equal(leaks(withoutCredentials(input), password), undefined);
          const warning = t.findings.find((f) => f.category === 'input.credentialsInUrl');
          assert.equal(warning?.severity, 'warning');
          assert.match(warning.message, /password .*discarded.*--password-stdin or the password box/);
        });
      }
    }

    it('an "@" in the query string after a plain host is not user info', () => {
      const input = 'https://mail.contoso.com/Microsoft-Server-ActiveSync?User=jdoe@contoso.com&DeviceId=X';
      assert.equal(removeUserInfo(input).text, input);
      assert.equal(normalizeTarget(input).host, 'mail.contoso.com');
    });

    it('a user name without a password is dropped with a milder warning', () => {
      const t = normalizeTarget('https://jdoe@mail.contoso.com/');
      assert.equal(t.host, 'mail.contoso.com');
      assert.ok(!JSON.stringify(t).includes('jdoe'));
      assert.match(t.findings[0].message, /user name/);
    });

    it('a password in front of a broken address is not echoed in the error', () => {
      const t = normalizeTarget('https://admin:Hunter2/Secret@[broken');
      assert.equal(t.ok, false);
      assert.equal(leaks(JSON.stringify(t), 'Hunter2/Secret'), undefined, JSON.stringify(t));
    });
  });

  describe('end to end against an echoing canary', () => {
    for (const password of PASSWORDS) {
      it(`password ${JSON.stringify(password)} in the URL: not sent, not printed, not stored, not exported`, async () => {
        const canary = await start('echoCredentials');
        const typed = canary.url.replace('https://', `https://jdoe:${password}@`);
        for (const mode of [[], ['--verbose'], ['--json'], ['--markdown'], ['--log-http']]) {
          const args = cliArgs(canary, '--user', 'other@contoso.com', ...mode);
          args[1] = typed;
          const result = await runCli(args, { password: 'Typed-Properly-1' });
          assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
          assert.equal(leaks(result.stdout + result.stderr, password), undefined, `${mode.join(' ') || 'human'} output leaks it`);
          assertNoStackTrace(result.stdout + result.stderr);
          if (mode.length === 0) assert.match(result.stdout, /password in the address was discarded/);
        }
        assert.ok(canary.requests.length > 0, 'the canary was never reached, so the test proves nothing');
        for (const r of canary.requests) {
          const decoded = r.authorization ? Buffer.from(r.authorization.replace(/^Basic /, ''), 'base64').toString('utf8') : '';
          assert.equal(leaks(`${r.authorization ?? ''} ${decoded}`, password), undefined, 'the canary received the URL password');
        }

        // What history keeps and what an export writes.
        const run = await probeHostile({ url: typed }, { userName: 'other@contoso.com', password: 'Typed-Properly-1' });
        assert.equal(leaks(JSON.stringify(run), password), undefined);
        assert.equal(leaks(renderRunMarkdown(run, diagnose(run)), password), undefined);
        const dir = mkdtempSync(join(tmpdir(), 'asd-userinfo-'));
        try {
          const store = new HistoryStore(dir);
          await store.append(run);
          for (const file of readdirSync(dir, { recursive: true }) as string[]) {
            let text = '';
            try {
              text = readFileSync(join(dir, file), 'utf8');
            } catch {
              continue; // a directory
            }
            assert.equal(leaks(text, password), undefined, `${file} holds it`);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});
