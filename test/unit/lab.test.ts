// The lab's HTTP behaviour per scenario, checked over real loopback sockets with node's https
// client: the 401 challenges, the authenticated OPTIONS, the status scenarios and the
// cross-check endpoints.
import assert from 'node:assert/strict';
import { COMMAND_STEP_IDS } from '../../src/probe/runModel';
import type { RunningLab } from '../../src/lab/labServer';
import { findScenario, LAB_SCENARIOS, type LabScenario } from '../../src/lab/scenarios';
import { LAB_CLOUD_UPN, LAB_DOWN_LEVEL, LAB_PASSWORD, LAB_UPN, LAB_USER } from '../../src/lab/labAccounts';
import { labTokenSource } from './helpers/probeLabRuns';
import { useRecordingLab } from './helpers/suiteFixtures';
import { header, headerValues, labRequest, type LabResponse } from './labHttpClient';

const TLS_OK = (s: LabScenario) => s.transport === 'https' && s.tls === 'lab';

describe('lab server: HTTP behaviour', () => {
  let lab: RunningLab;
  const seen = useRecordingLab((started) => (lab = started));

  const options = (id: string, basic?: { userName: string; password: string }, path?: string, method = 'OPTIONS', body?: string) =>
    labRequest(lab.urlFor(id), { ca: lab.caPem, basic, path, method, body });
  /** A token from the lab authority's device code sign-in for an OAuth scenario (undefined on a refused sign-in). */
  const tokenFor = async (id: string) => {
    const source = labTokenSource(lab, id);
    return source({ resource: lab.oauth!.resourceFor(id), scopes: [`${lab.oauth!.resourceFor(id)}/EAS.AccessAsUser.All`], signal: new AbortController().signal }).then(
      (t) => t.accessToken,
      () => undefined,
    );
  };
  const good = (id: string) => findScenario(id)!.credentials;
  const right = { userName: LAB_UPN, password: LAB_PASSWORD };

  function assertHealthyOptions(res: LabResponse): void {
    assert.equal(res.status, 200);
    assert.ok(header(res, 'MS-Server-ActiveSync'), 'MS-Server-ActiveSync present');
    assert.ok(header(res, 'MS-ASProtocolVersions'), 'MS-ASProtocolVersions present');
    assert.ok(header(res, 'MS-ASProtocolCommands'), 'MS-ASProtocolCommands present');
    assert.ok(header(res, 'Date'), 'Date present');
    assert.ok(header(res, 'Server'), 'Server present');
  }

  describe('every scenario that speaks HTTP matches its declared expectation', () => {
    for (const scenario of LAB_SCENARIOS.filter(TLS_OK)) {
      it(`${scenario.id}: anonymous and authenticated OPTIONS`, async () => {
        const anonymous = await options(scenario.id);
        if (scenario.eas.kind === 'anonymousAllowed') {
          assertHealthyOptions(anonymous);
        } else if (scenario.eas.kind === 'notFound') {
          assert.equal(anonymous.status, 404);
        } else {
          assert.equal(anonymous.status, 401);
          assert.ok(headerValues(anonymous, 'WWW-Authenticate').length > 0, 'a 401 carries challenges');
          assert.match(header(anonymous, 'Content-Type') ?? '', /^text\/html/);
        }

        const token = scenario.signIn === 'oauth' ? await tokenFor(scenario.id) : undefined;
        const authenticated = token ? await labRequest(lab.urlFor(scenario.id), { ca: lab.caPem, bearer: token }) : await options(scenario.id, scenario.credentials);
        if (scenario.autodiscover) {
          // An Autodiscover scenario's expectation is about the search; its own ActiveSync directory is healthy.
          assertHealthyOptions(authenticated);
          return;
        }
        const { outcome, category, failedStep } = scenario.expected;
        const leading = failedStep ?? scenario.expected.warningStep;
        const pastOptions = leading !== undefined && (COMMAND_STEP_IDS as readonly string[]).includes(leading);
        if (outcome === 'passed' || category === 'http.anonymousAccess' || pastOptions) {
          assertHealthyOptions(authenticated);
        } else if (category === 'eas.missingHeaders') {
          assert.equal(authenticated.status, 200);
          assert.equal(header(authenticated, 'MS-Server-ActiveSync'), undefined);
          assert.equal(header(authenticated, 'MS-ASProtocolVersions'), undefined);
        } else if (category === 'eas.noUsableVersion') {
          assertHealthyOptions(authenticated);
          const versions = header(authenticated, 'MS-ASProtocolVersions')!.split(',');
          assert.ok(!versions.includes('2.5') && !versions.some((v) => Number(v) >= 12), `no usable version in ${versions.join(',')}`);
        } else if (category === 'oauth.signInFailed') {
          // The authority refused the sign-in: no token, so the request went without one.
          assert.equal(token, undefined);
          assert.equal(authenticated.status, 401);
        } else if (category?.startsWith('http.') && failedStep !== 'optionsAnonymous') {
          assert.equal(authenticated.status, Number(category.slice('http.'.length)));
        } else {
          // Failing at the anonymous step: the authenticated request must not succeed either.
          assert.notEqual(authenticated.status, 200);
        }
      });
    }
  });

  it('Exchange 2010 answers like the MS-ASHTTP example, with separate IIS challenge lines', async () => {
    const anonymous = await options('exchange2010-healthy');
    assert.deepEqual(headerValues(anonymous, 'WWW-Authenticate'), ['Negotiate', 'NTLM', 'Basic realm=""']);
    assert.equal(header(anonymous, 'Content-Type'), 'text/html; charset=utf-8');
    assert.equal(header(anonymous, 'Server'), 'Microsoft-IIS/7.0');
    assert.match(anonymous.body, /401/);

    const res = await options('exchange2010-healthy', good('exchange2010-healthy'));
    assert.equal(res.status, 200);
    assert.equal(header(res, 'Allow'), 'OPTIONS,POST');
    assert.equal(header(res, 'Public'), 'OPTIONS,POST');
    assert.equal(header(res, 'Cache-Control'), 'private');
    assert.equal(header(res, 'MS-Server-ActiveSync'), '14.00.0536.000');
    assert.equal(header(res, 'MS-ASProtocolVersions'), '2.0,2.1,2.5,12.0,12.1,14.0');
    assert.equal(header(res, 'MS-ASProtocolCommands')!.split(',').length, 23);
    assert.equal(header(res, 'X-AspNet-Version'), '2.0.50727');
    assert.equal(header(res, 'X-Powered-By'), 'ASP.NET');
    assert.equal(header(res, 'Content-Length'), '0');
  });

  it('Exchange 2003 SP2 offers 1.0 to 2.5 and has no EWS or Autodiscover', async () => {
    const res = await options('exchange2003-healthy', good('exchange2003-healthy'));
    assert.equal(header(res, 'MS-Server-ActiveSync'), '6.5.7638.1');
    assert.equal(header(res, 'MS-ASProtocolVersions'), '1.0,2.0,2.1,2.5');
    assert.equal(header(res, 'Server'), 'Microsoft-IIS/6.0');
    const ewsRes = await options('exchange2003-healthy', good('exchange2003-healthy'), '/EWS/Exchange.asmx', 'GET');
    assert.equal(ewsRes.status, 404);
  });

  it('Exchange 2016 and 2019 carry the front-end/back-end diagnostic headers', async () => {
    const ex16 = await options('exchange2016-healthy', good('exchange2016-healthy'));
    assert.equal(header(ex16, 'MS-Server-ActiveSync'), '15.1');
    assert.ok(header(ex16, 'MS-ASProtocolVersions')!.split(',').includes('16.1'));
    for (const name of ['X-FEServer', 'X-BEServer', 'X-CalculatedBETarget', 'X-DiagInfo']) assert.ok(header(ex16, name), name);
    const anon19 = await options('exchange2019-healthy');
    const challenges = headerValues(anon19, 'WWW-Authenticate');
    assert.equal(challenges.length, 2);
    assert.match(challenges[0], /^Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@/);
    assert.equal(challenges[1], 'Basic realm="mail.contoso.example"');
    assert.equal(header(anon19, 'X-OWA-Version'), '15.2.1544.11');
  });

  it('Z-Push sends a chunked empty text/html 200 and realm ZPush', async () => {
    const anonymous = await options('zpush-healthy');
    assert.deepEqual(headerValues(anonymous, 'WWW-Authenticate'), ['Basic realm="ZPush"']);
    const res = await options('zpush-healthy', good('zpush-healthy'));
    assert.equal(res.status, 200);
    assert.equal(header(res, 'Transfer-Encoding'), 'chunked');
    assert.equal(header(res, 'Content-Length'), undefined);
    assert.equal(header(res, 'Content-Type'), 'text/html');
    assert.equal(res.body, '');
    assert.equal(header(res, 'MS-Server-ActiveSync'), '14.0');
    assert.equal(header(res, 'MS-ASProtocolVersions'), '12.0,12.1,14.0');
  });

  it('on-premises servers accept DOMAIN\\user, the UPN and the bare name; wrong passwords get 401', async () => {
    for (const userName of [LAB_DOWN_LEVEL, LAB_UPN, LAB_USER, 'contoso\\LabUser']) {
      const res = await options('exchange2016-healthy', { userName, password: LAB_PASSWORD });
      assert.equal(res.status, 200, userName);
    }
    const wrong = await options('exchange2016-healthy', { userName: LAB_UPN, password: 'lab-passw0rd!' });
    assert.equal(wrong.status, 401);
    const stranger = await options('exchange2016-healthy', { userName: 'someone@contoso.example', password: LAB_PASSWORD });
    assert.equal(stranger.status, 401);
  });

  describe('coexistence-2003-basic-only', () => {
    const id = 'coexistence-2003-basic-only';
    it('offers Negotiate, NTLM and Basic but refuses the right password on ActiveSync', async () => {
      const anonymous = await options(id);
      assert.equal(anonymous.status, 401);
      assert.deepEqual(headerValues(anonymous, 'WWW-Authenticate'), ['Negotiate', 'NTLM', 'Basic realm=""']);
      for (const userName of [LAB_DOWN_LEVEL, LAB_UPN]) {
        const res = await options(id, { userName, password: LAB_PASSWORD });
        assert.equal(res.status, 401, userName);
        assert.deepEqual(headerValues(res, 'WWW-Authenticate'), ['Negotiate', 'NTLM', 'Basic realm=""']);
      }
    });

    it('accepts the same credentials on EWS and Autodiscover, showing Exchange 2010 SP3', async () => {
      const creds = good(id);
      const ewsGet = await options(id, creds, '/EWS/Exchange.asmx', 'GET');
      assert.equal(ewsGet.status, 200);
      assert.match(header(ewsGet, 'X-OWA-Version') ?? '', /^14\.3\./);
      const ewsPost = await options(id, creds, '/EWS/Exchange.asmx', 'POST', '<soap/>');
      assert.equal(ewsPost.status, 200);
      assert.match(ewsPost.body, /ServerVersionInfo MajorVersion="14" MinorVersion="3"/);
      const request =
        '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>labuser@contoso.example</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>';
      const auto = await options(id, creds, '/autodiscover/autodiscover.xml', 'POST', request);
      assert.equal(auto.status, 200);
      assert.match(header(auto, 'Content-Type') ?? '', /^text\/xml/);
      assert.ok(auto.body.includes(`<autodiscover:Url>${lab.urlFor(id)}</autodiscover:Url>`));
    });

    it('refuses wrong or missing credentials on EWS and Autodiscover', async () => {
      const bad = { userName: LAB_DOWN_LEVEL, password: 'nope' };
      assert.equal((await options(id, bad, '/EWS/Exchange.asmx', 'POST', '<soap/>')).status, 401);
      assert.equal((await options(id, undefined, '/EWS/Exchange.asmx', 'GET')).status, 401);
      assert.equal((await options(id, bad, '/autodiscover/autodiscover.xml', 'POST', '<x/>')).status, 401);
    });
  });

  describe('office365-needs-upn', () => {
    const id = 'office365-needs-upn';
    it('sends the folded Exchange Online challenge to an anonymous request', async () => {
      const anonymous = await options(id);
      const challenges = headerValues(anonymous, 'WWW-Authenticate');
      assert.equal(challenges.length, 1);
      assert.match(challenges[0], /^Bearer client_id="00000002-0000-0ff1-ce00-000000000000", .*token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https:\/\/login\.windows\.net\/common\/oauth2\/authorize",Basic Realm="",Negotiate$/);
    });

    it('refuses the suggested bare name with Exchange Online 401 headers, accepts the UPN', async () => {
      assert.equal(good(id).userName, LAB_USER);
      const bare = await options(id, good(id));
      assert.equal(bare.status, 401);
      assert.deepEqual(headerValues(bare, 'WWW-Authenticate'), ['Basic Realm="",Negotiate']);
      assert.equal(header(bare, 'X-BackEndHttpStatus'), '401');
      assert.equal(header(bare, 'X-Proxy-BackendServerStatus'), '401');
      assert.equal(header(bare, 'X-MailboxGuid'), undefined, 'an unknown user reveals no mailbox');

      const upn = await options(id, { userName: LAB_CLOUD_UPN, password: LAB_PASSWORD });
      assert.equal(upn.status, 200);
      assert.equal(header(upn, 'MS-Server-ActiveSync'), '15.20');
      assert.ok(header(upn, 'MS-ASProtocolCommands')!.split(',').includes('Find'));
      assert.equal(header(upn, 'Content-Type'), 'application/vnd.ms-sync.wbxml');

      const wrongPassword = await options(id, { userName: LAB_CLOUD_UPN, password: 'nope' });
      assert.equal(wrongPassword.status, 401);
      assert.ok(header(wrongPassword, 'X-MailboxGuid'), 'a known user with a wrong password has a mailbox GUID');
    });
  });

  it('exchange-online-bearer-only offers only Bearer, with or without Basic credentials', async () => {
    const id = 'exchange-online-bearer-only';
    for (const basic of [undefined, { userName: LAB_CLOUD_UPN, password: LAB_PASSWORD }]) {
      const res = await options(id, basic);
      assert.equal(res.status, 401);
      const challenges = headerValues(res, 'WWW-Authenticate');
      assert.equal(challenges.length, 1);
      assert.match(challenges[0], /^Bearer /);
      assert.doesNotMatch(challenges[0], /Basic|NTLM|Negotiate/);
    }
    assert.equal((await options(id, { userName: LAB_CLOUD_UPN, password: LAB_PASSWORD }, '/EWS/Exchange.asmx', 'GET')).status, 401);
  });

  it('wrong-password suggests a wrong password; the documented one works', async () => {
    assert.equal((await options('wrong-password', good('wrong-password'))).status, 401);
    assert.equal((await options('wrong-password', right)).status, 200);
  });

  it('anonymous-access answers anonymous OPTIONS with 200 but still refuses a wrong password', async () => {
    assertHealthyOptions(await options('anonymous-access'));
    assert.equal((await options('anonymous-access', { userName: LAB_UPN, password: 'nope' })).status, 401);
  });

  describe('status scenarios fail only the authenticated OPTIONS', () => {
    const statuses: Array<[string, number]> = [
      ['status-403', 403],
      ['status-451-redirect', 451],
      ['status-456', 456],
      ['status-457', 457],
      ['status-500', 500],
      ['status-503', 503],
    ];
    for (const [id, status] of statuses) {
      it(`${id}: anonymous 401, authenticated ${status}`, async () => {
        assert.equal((await options(id)).status, 401);
        const res = await options(id, good(id));
        assert.equal(res.status, status);
        assert.notEqual(res.statusMessage, 'Unavailable For Legal Reasons');
      });
    }

    it('451 points X-MS-Location at the live exchange2016-healthy endpoint', async () => {
      const res = await options('status-451-redirect', good('status-451-redirect'));
      const location = header(res, 'X-MS-Location');
      assert.equal(location, lab.urlFor('exchange2016-healthy'));
      const followed = await labRequest(location!, { ca: lab.caPem, basic: good('status-451-redirect') });
      assertHealthyOptions(followed);
    });

    it('457 names the password change site; 503 asks to retry after 120 s', async () => {
      const expired = await options('status-457', good('status-457'));
      assert.equal(header(expired, 'X-MS-Credential-Service-Url'), 'https://passwordreset.contoso.example/');
      const unavailable = await options('status-503', good('status-503'));
      assert.equal(header(unavailable, 'Retry-After'), '120');
    });
  });

  it('proxy-stripped-headers: 200 from nginx without any MS-AS header', async () => {
    const res = await options('proxy-stripped-headers', good('proxy-stripped-headers'));
    assert.equal(res.status, 200);
    assert.equal(header(res, 'Server'), 'nginx');
    assert.equal(res.headers.filter(([name]) => /^ms-/i.test(name)).length, 0);
  });

  it('versions-too-old offers only 1.0 and 2.0', async () => {
    const res = await options('versions-too-old', good('versions-too-old'));
    assert.equal(header(res, 'MS-ASProtocolVersions'), '1.0,2.0');
  });

  it('status-404-not-eas is a plain IIS site: 404 with or without credentials', async () => {
    for (const basic of [undefined, right]) {
      const res = await options('status-404-not-eas', basic);
      assert.equal(res.status, 404);
      assert.equal(header(res, 'Server'), 'Microsoft-IIS/10.0');
      assert.equal(header(res, 'MS-Server-ActiveSync'), undefined);
    }
  });

  it('unknown paths get 404 and GET on the ActiveSync directory is not a 200', async () => {
    assert.equal((await options('exchange2016-healthy', right, '/owa/', 'GET')).status, 404);
    const get = await options('exchange2016-healthy', right, undefined, 'GET');
    assert.notEqual(get.status, 200);
    assert.ok(get.status >= 400);
  });

  it('reports answered requests to onRequest without the password', async () => {
    seen.length = 0;
    await options('exchange2016-healthy', right);
    const info = seen.find((i) => i.scenarioId === 'exchange2016-healthy');
    assert.ok(info);
    assert.equal(info.method, 'OPTIONS');
    assert.equal(info.path, '/Microsoft-Server-ActiveSync');
    assert.equal(info.statusCode, 200);
    assert.equal(info.auth, 'accepted');
    assert.equal(info.userName, LAB_UPN);
    assert.ok(!JSON.stringify(seen).includes(LAB_PASSWORD));
  });
});
