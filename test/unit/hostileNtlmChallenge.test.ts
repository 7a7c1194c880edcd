// A server that answers the NTLM negotiate message with a challenge that is not an NTLM challenge:
// a token that is not Base64 (RFC 7235's token68), or one cut short. Each is a malformed
// challenge (auth.badChallenge), never "no challenge" and never a second authentication scheme.
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnosis/diagnose';
import { useHostileServers } from '../hostile/hostileServers';
import { flatSteps, probeHostile } from '../hostile/probeHarness';
import type { ProbeRun } from '../../src/probe/runModel';

describe('hostile servers: malformed NTLM challenges', function () {
  this.timeout(10_000);
  const start = useHostileServers();

  const probeNtlm = async (ntlmChallenge: string): Promise<ProbeRun> => {
    const server = await start('ntlmChallenge', { ntlmChallenge });
    return probeHostile(server, { auth: 'ntlm', userName: 'CONTOSO\\jdoe', password: 'secret-pass', mode: 'options', timeouts: { headersMs: 2000, overallMs: 4000 } });
  };

  const badChallengeStep = (run: ProbeRun) => {
    const step = run.steps.find((s) => s.id === 'optionsAuthenticated');
    assert.ok(step, `no optionsAuthenticated step in ${run.steps.map((s) => s.id).join(', ')}`);
    assert.equal(step.status, 'failed', step.summary);
    assert.equal(step.failure?.category, 'auth.badChallenge', step.summary);
    return step;
  };

  for (const token of ['not*base64!', 'TlRMTVNTUAACAAAA@@@@', 'TlRM TVNT', 'TlRMTVNT==UAAC']) {
    it(`"NTLM ${token}" is a malformed challenge, not "no challenge"`, async () => {
      const run = await probeNtlm(`NTLM ${token}`);
      const step = badChallengeStep(run);
      assert.match(step.summary, /NTLM token in WWW-Authenticate is not Base64/);
      assert.doesNotMatch(step.summary, /no challenge/);
      const leg1 = flatSteps(run).find((s) => s.id === 'optionsAuthenticated.ntlm.negotiate');
      const offered = leg1?.details.find((d) => d.label === 'Authentication offered');
      assert.equal(offered?.value, 'NTLM (malformed token)', 'the token was read as another scheme');
      const top = diagnose(run).causes[0];
      assert.equal(top?.id, 'auth.badNtlmChallenge', `top cause ${top?.id}`);
    });
  }

  it('a truncated challenge that is Base64 stays a malformed challenge too', async () => {
    const run = await probeNtlm('NTLM TlRMTVNTUAACAAAA');
    const step = badChallengeStep(run);
    assert.doesNotMatch(step.summary, /not Base64/);
  });
});
