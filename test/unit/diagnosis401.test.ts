// Ranking of the causes of an OPTIONS 401: how much each kind of evidence moves each cause.
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnosis/diagnose';
import type { Diagnosis } from '../../src/diagnosis/diagnosisModel';
import { buildRun, challenge, unauthorizedRun } from './helpers/runBuilder';

const causeOf = (d: Diagnosis, id: string) => d.causes.find((c) => c.id === id);
const rankOf = (d: Diagnosis, id: string) => d.causes.findIndex((c) => c.id === id);

describe('diagnose: OPTIONS 401', () => {
  it('bare 401: wrong credentials lead at medium confidence, coexistence listed low, and a separating question', () => {
    const d = diagnose(unauthorizedRun({ userName: 'CONTOSO\\alice' }));
    assert.equal(d.outcome, 'failed');
    assert.equal(d.failedStepId, 'optionsAuthenticated');
    assert.equal(d.causes[0].id, 'auth.wrongCredentials');
    assert.equal(d.causes[0].confidence, 'medium');
    const coexistence = causeOf(d, 'auth.coexistence2003IwaMissing');
    assert.ok(coexistence, 'coexistence cause is still listed');
    assert.equal(coexistence.confidence, 'low');
    assert.ok(coexistence.checklistIds.includes('esm-2003-iwa'));
    assert.ok(d.question, 'an ambiguous 401 asks the separating question');
    assert.match(d.question, /OWA|EWS/);
    assert.match(d.question, /Exchange 2003/);
    assert.match(d.headline, /401/);
    assert.match(d.headline, /medium confidence/);
    assert.ok(causeOf(d, 'auth.wrongCredentials')!.searchTerms!.includes('Testing of the OPTIONS command failed'));
    // Nothing speaks for Exchange Online here.
    assert.equal(causeOf(d, 'auth.upnRequired'), undefined);
    assert.equal(causeOf(d, 'auth.exchangeOnlineModernAuth'), undefined);
  });

  it('401 with EWS accepting the same credentials: coexistence leads with high confidence, wrong password drops to low', () => {
    const d = diagnose(unauthorizedRun({ crossCheck: [{ endpoint: 'ews', accepted: true }, { endpoint: 'autodiscover', accepted: true }] }));
    assert.equal(d.causes[0].id, 'auth.coexistence2003IwaMissing');
    assert.equal(d.causes[0].confidence, 'high');
    assert.ok(d.causes[0].supporting.some((e) => e.stepId === 'crossCheck' && /accepted/.test(e.value)));
    const wrong = causeOf(d, 'auth.wrongCredentials')!;
    assert.equal(wrong.confidence, 'low');
    assert.ok(wrong.against.some((e) => e.stepId === 'crossCheck' && /accepted/.test(e.value)), 'the cross-check is evidence against a wrong password');
  });

  it('401 with a 2010 front end and the mailbox on Exchange 2003 (from context): coexistence high without a cross-check', () => {
    const run = unauthorizedRun({ build: '14.00.0639.021' });
    const d = diagnose(run, { mailboxServerHint: 'exchange2003' });
    assert.equal(d.causes[0].id, 'auth.coexistence2003IwaMissing');
    assert.equal(d.causes[0].confidence, 'high');
    assert.ok(d.causes[0].supporting.some((e) => /14\.00/.test(e.value)));
    // Without the hint the same run stays ambiguous.
    assert.equal(diagnose(run).causes[0].id, 'auth.wrongCredentials');
  });

  it('401 where the cross-check refuses the same credentials too: wrong credentials become high, coexistence stays low', () => {
    const d = diagnose(unauthorizedRun({ crossCheck: [{ endpoint: 'ews', accepted: false, statusCode: 401 }] }));
    assert.equal(d.causes[0].id, 'auth.wrongCredentials');
    assert.equal(d.causes[0].confidence, 'high');
    assert.equal(causeOf(d, 'auth.coexistence2003IwaMissing')!.confidence, 'low');
    assert.equal(d.question, undefined, 'a clear lead needs no question');
  });

  it('an Exchange 2013+ front end argues against the 2003 coexistence cause', () => {
    const d = diagnose(unauthorizedRun({ build: '15.1' }));
    const c = causeOf(d, 'auth.coexistence2003IwaMissing')!;
    assert.ok(c.score < 15);
    assert.ok(c.against.some((e) => /2016|15\.1/.test(e.value)));
  });

  it('401 offering only Bearer: Exchange Online modern auth leads, wrong password low', () => {
    const bearer = challenge('Bearer', { client_id: '00000002-0000-0ff1-ce00-000000000000', trusted_issuers: '00000001-0000-0000-c000-000000000000@*', authorization_uri: 'https://login.microsoftonline.com/common/oauth2/authorize' });
    const d = diagnose(unauthorizedRun({ host: 'outlook.office365.com', userName: 'alice@contoso.com', challenges: [bearer] }));
    assert.equal(d.causes[0].id, 'auth.exchangeOnlineModernAuth');
    assert.equal(d.causes[0].confidence, 'high');
    assert.ok(d.causes[0].checklistIds.includes('exo-modern-auth'));
    assert.equal(causeOf(d, 'auth.wrongCredentials')!.confidence, 'low');
    assert.equal(causeOf(d, 'auth.coexistence2003IwaMissing'), undefined, 'no 2003 back end behind Exchange Online');
  });

  it('only Bearer on an unidentified host still points at OAuth, with less certainty', () => {
    const d = diagnose(unauthorizedRun({ host: 'mail.contoso.com', userName: 'alice@contoso.com', challenges: [challenge('Bearer', {})] }));
    assert.equal(d.causes[0].id, 'auth.exchangeOnlineModernAuth');
    assert.ok(d.causes[0].score < diagnose(unauthorizedRun({ host: 'outlook.office365.com', userName: 'alice@contoso.com', challenges: [challenge('Bearer', {})] })).causes[0].score);
  });

  it('401 with a bare user name on an Exchange Online identity (headers only): the UPN cause leads', () => {
    const headers: Array<[string, string]> = [
      ['X-CalculatedBETarget', 'AM0PR01MB1234.eurprd01.prod.outlook.com'],
      ['X-BackEndHttpStatus', '401'],
      ['MS-Server-ActiveSync', '15.20'],
    ];
    const d = diagnose(unauthorizedRun({ host: 'mail.contoso.com', userName: 'alice', headers, challenges: [challenge('Basic', { realm: '' }), challenge('Negotiate')] }));
    assert.equal(d.causes[0].id, 'auth.upnRequired');
    assert.equal(d.causes[0].confidence, 'high');
    assert.ok(d.causes[0].supporting.some((e) => e.label === 'X-CalculatedBETarget'));
    assert.ok(d.causes[0].checklistIds.includes('upn-sign-in'));
    assert.ok(rankOf(d, 'auth.wrongCredentials') > 0);
  });

  it('Exchange Online host with a full UPN and Basic: Basic retirement outranks the password, still not high', () => {
    const d = diagnose(unauthorizedRun({ host: 'outlook.office365.com', userName: 'alice@contoso.com', challenges: [challenge('Basic', { realm: '' }), challenge('Negotiate')] }));
    assert.equal(d.causes[0].id, 'auth.exchangeOnlineModernAuth');
    assert.equal(d.causes[0].confidence, 'medium');
    assert.equal(causeOf(d, 'auth.upnRequired'), undefined, 'the UPN was used');
    assert.ok(d.question);
  });

  it('401 where only NTLM/Negotiate are offered and the client used Basic: scheme not offered leads', () => {
    const d = diagnose(unauthorizedRun({ challenges: [challenge('Negotiate'), challenge('NTLM')], authScheme: 'Basic' }));
    assert.equal(d.causes[0].id, 'auth.schemeNotOffered');
    assert.equal(d.causes[0].confidence, 'high');
    assert.match(d.causes[0].title, /NTLM\/Negotiate/);
    assert.ok(d.causes[0].checklistIds.includes('vdir-auth-methods'));
    assert.ok(causeOf(d, 'auth.wrongCredentials')!.against.some((e) => e.label === 'WWW-Authenticate'));
  });

  it('the probe\'s own schemeNotOffered category is diagnosed the same way', () => {
    const d = diagnose(unauthorizedRun({ category: 'http.schemeNotOffered', challenges: [challenge('NTLM')], authScheme: 'Basic' }));
    assert.equal(d.causes[0].id, 'auth.schemeNotOffered');
  });

  it('when the anonymous OPTIONS showed the method is not offered, the password was never sent, so no cause says it was refused', () => {
    // The probe's shape: the anonymous OPTIONS fails with schemeNotOffered, the signed-in one is skipped.
    const run = buildRun({
      userName: 'alice@contoso.com',
      steps: { optionsAnonymous: { status: 'failed', category: 'http.schemeNotOffered', evidence: { challenges: [challenge('Negotiate'), challenge('NTLM')] } } },
    });
    const d = diagnose(run);
    assert.equal(d.causes[0].id, 'auth.schemeNotOffered');
    assert.equal(causeOf(d, 'auth.wrongCredentials'), undefined, d.causes.map((c) => c.id).join(', '));
    for (const cause of d.causes) assert.doesNotMatch(cause.explanation, /refused the credentials/, cause.id);
  });

  it('when the password never left, the 2003 hand-over cause weighs it against, and a DOMAIN\\user name is not called refused', () => {
    const run = buildRun({
      userName: 'CONTOSO\\alice',
      steps: { optionsAnonymous: { status: 'failed', category: 'http.schemeNotOffered', evidence: { challenges: [challenge('Negotiate'), challenge('NTLM')] } } },
    });
    const d = diagnose(run);
    assert.equal(d.causes[0].id, 'auth.schemeNotOffered');
    assert.equal(causeOf(d, 'auth.userNameForm'), undefined, d.causes.map((c) => c.id).join(', '));
    const coexistence = causeOf(d, 'auth.coexistence2003IwaMissing')!;
    assert.ok(coexistence, 'listed, with what speaks against it');
    assert.equal(coexistence.confidence, 'low');
    assert.ok(coexistence.against.some((e) => e.label.startsWith('Failure (http.schemeNotOffered)')), JSON.stringify(coexistence.against));
    assert.ok(!coexistence.supporting.some((e) => e.label.startsWith('Failure')), 'the refusal that never happened is not evidence for the hand-over failing');
  });

  it('a bare on-premises user name raises the user-name-form cause without outranking the password', () => {
    const d = diagnose(unauthorizedRun({ userName: 'alice' }));
    const form = causeOf(d, 'auth.userNameForm')!;
    assert.ok(form, 'listed');
    assert.equal(form.confidence, 'medium');
    assert.equal(d.causes[0].id, 'auth.wrongCredentials');
    // With a down-level name the form cause is only a low-ranked hint.
    assert.equal(causeOf(diagnose(unauthorizedRun({ userName: 'CONTOSO\\alice' })), 'auth.userNameForm')!.confidence, 'low');
  });

  it('suggests the cross-check when it was off', () => {
    const d = diagnose(unauthorizedRun({ crossCheckEnabled: false }));
    assert.ok(causeOf(d, 'auth.wrongCredentials')!.checks.some((c) => /cross-check/i.test(c)));
  });

  it('causes are ranked by score and confidence agrees with the score', () => {
    for (const run of [unauthorizedRun(), unauthorizedRun({ crossCheck: [{ endpoint: 'ews', accepted: true }] }), unauthorizedRun({ challenges: [challenge('Bearer')] })]) {
      const d = diagnose(run);
      for (let i = 1; i < d.causes.length; i++) assert.ok(d.causes[i - 1].score >= d.causes[i].score);
      for (const c of d.causes) assert.equal(c.confidence, c.score >= 70 ? 'high' : c.score >= 40 ? 'medium' : 'low');
      assert.deepEqual(JSON.parse(JSON.stringify(d)), d, 'JSON-serialisable');
    }
  });
});
