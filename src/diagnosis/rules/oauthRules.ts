// Why an OAuth (Bearer) sign-in failed. Two sources speak: the token's own claims, read by the
// probe without trusting them (audience, scopes, expiry), and the server's refusal (the Bearer
// challenge's error and Exchange's x-ms-diagnostics). A cause is strong when both agree, medium
// when only one speaks. Sign-in refusals by Entra ID are read from their AADSTS codes.
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { hasFailure, ref, type RunFacts } from '../runFacts';
import { isExchangeOnline, serverRef } from '../serverFacts';

const EAS_PERMISSION = 'EAS.AccessAsUser.All';
const EXCHANGE_ONLINE_AUDIENCES = ['https://outlook.office365.com', 'https://outlook.office.com', '00000002-0000-0ff1-ce00-000000000000'];
/** Exchange tolerates some clock skew; a token this far past exp when sent is expired for it too. */
const SKEW_MS = 5 * 60_000;

/** AADSTS codes of Conditional Access and device-state refusals. */
const CONDITIONAL_ACCESS_CODES = new Set([53000, 53001, 53002, 53003, 53004, 530002, 530003, 530004, 530034]);
/** What other sign-in refusals most often mean, in a few words. */
const SIGN_IN_HINTS: Record<number, string> = {
  65001: 'the user or an administrator has not consented to the app\'s permissions',
  65002: 'the app may not ask for this permission without being pre-authorised',
  700016: 'the client id is not an application registered in this tenant',
  7000218: 'the app registration does not allow public client flows (needed for the device code sign-in)',
  50020: 'the user is not a member of this tenant',
  90002: 'the tenant does not exist',
  50076: 'multi-factor authentication is required',
  50079: 'the user must register for multi-factor authentication',
  500011: 'the resource (Exchange) is not available in this tenant',
};

export const oauthRules: DiagnosisRule = (facts) => {
  const signInFailed = hasFailure(facts, 'oauth.signInFailed');
  if (signInFailed) return [signInRefusal(facts)];
  if (facts.usedScheme?.value !== 'bearer') return [];
  const refused = hasFailure(facts, 'http.401');
  const forbidden = hasFailure(facts, 'http.403');
  if (forbidden) return [mailboxNotEnabled(facts)];
  if (!refused) return [];
  return tokenRefusals(facts);
};

function tokenRefusals(facts: RunFacts): DiagnosisCause[] {
  const claims = facts.oauthToken?.value;
  const tokenStep = facts.oauthToken?.stepId ?? 'optionsAuthenticated';
  const diag = facts.msDiagnostics;
  const bearer = facts.challenges?.value.find((c) => String(c.scheme).toLowerCase() === 'bearer');
  const bearerError = bearer?.params?.error;
  const serverSays: EvidenceRef[] = [];
  if (bearerError) serverSays.push(ref(facts.challenges!.stepId, 'Bearer error', bearerError));
  if (diag) serverSays.push(ref(diag.stepId, 'x-ms-diagnostics', `${diag.value.code}${diag.value.category ? ` (${diag.value.category})` : ''}${diag.value.reason ? `: ${diag.value.reason}` : ''}`));
  const category = diag?.value.category?.toLowerCase() ?? '';
  const reason = diag?.value.reason?.toLowerCase() ?? '';
  const causes: DiagnosisCause[] = [];
  const onPremises = !isExchangeOnline(facts) && facts.server?.value.product !== 'exchangeOnline';

  // Hybrid: the on-premises server cannot check Entra ID tokens at all.
  if (category === 'oauth_not_available' || (onPremises && /oauth is not available|no authorization server/.test(reason))) {
    const authorizationUri = bearer?.params?.authorization_uri;
    causes.push(
      makeCause({
        id: 'oauth.hybridNotConfigured',
        title: 'Hybrid Modern Authentication is not working on the on-premises server',
        score: 90,
        explanation:
          'The on-premises Exchange server offers Bearer sign-in but answers that OAuth is not available for the token: it has no working authorization server for Entra ID, or the OAuth client profile is off. Until that is fixed, no token will be accepted here, however good.',
        supporting: [...serverSays, ...(authorizationUri ? [ref(facts.challenges!.stepId, 'authorization_uri', authorizationUri)] : []), ...(serverRef(facts) ? [serverRef(facts)!] : [])],
        checks: ['Get-AuthServer: an enabled EvoSts entry for your tenant.', 'Get-OrganizationConfig | Format-List OAuth2ClientProfileEnabled: True.', 'The on-premises URL is a service principal name of Office 365 Exchange Online.'],
        checklistIds: [CHECKLIST_ID.hybridModernAuth],
        searchTerms: ['oauth_not_available', 'Hybrid Modern Authentication ActiveSync', 'OAuth2ClientProfileEnabled'],
      }),
    );
  }

  if (claims?.format === 'jwt') {
    const expected = facts.oauthSignIn?.value.resource;
    const wanted = onPremises && expected ? [expected, expected.replace(/\/$/, ''), EXCHANGE_ONLINE_AUDIENCES[2]] : EXCHANGE_ONLINE_AUDIENCES;
    const audiences = (claims.audience ?? '').split(' ').filter(Boolean);
    const audienceWrong = audiences.length === 0 || !audiences.some((a) => wanted.includes(a.replace(/\/$/, '')) || wanted.includes(a));
    const serverAudience = category === 'invalid_resource' || /audience/.test(reason);
    if (audienceWrong || serverAudience) {
      causes.push(
        makeCause({
          id: 'oauth.wrongAudience',
          title: 'The token is for another API (wrong audience)',
          score: audienceWrong && serverAudience ? 92 : audienceWrong ? 78 : 65,
          explanation: `Exchange accepts only tokens issued for itself. This token's audience is ${claims.audience ?? 'missing'}, not ${wanted[0]}: the client asked for a token for another resource (often Microsoft Graph) or was handed one meant for another tool.`,
          supporting: [ref(tokenStep, 'Token audience (aud)', claims.audience ?? 'missing'), ...serverSays],
          against: audienceWrong ? [] : [ref(tokenStep, 'Token audience (aud)', `${claims.audience} (looks right)`)],
          checks: [`Ask for the scope ${wanted[0]}/${EAS_PERMISSION}, not a Graph scope.`, 'Check which resource the app registration\'s permission belongs to (Office 365 Exchange Online).'],
          checklistIds: [CHECKLIST_ID.oauthToken],
          searchTerms: ['invalid_resource', 'audience claim value is invalid'],
        }),
      );
    }
    const scopes = claims.scopes ?? [];
    const scopeMissing = !scopes.includes(EAS_PERMISSION);
    const serverScope = bearerError === 'insufficient_scope' || category === 'insufficient_scope' || /scope/.test(reason);
    if ((scopeMissing || serverScope) && !audienceWrong) {
      causes.push(
        makeCause({
          id: 'oauth.missingScope',
          title: `The token lacks the ${EAS_PERMISSION} permission`,
          score: scopeMissing && serverScope ? 90 : scopeMissing ? 76 : 62,
          explanation: `ActiveSync needs the delegated permission ${EAS_PERMISSION}. The token carries ${scopes.length ? scopes.join(', ') : (claims.roles?.length ? `application roles only (${claims.roles.join(', ')})` : 'no delegated scopes')}: the app registration lacks the permission, consent was not granted, or the client asked for other scopes.`,
          supporting: [ref(tokenStep, 'Token scopes (scp)', scopes.join(' ') || 'none'), ...serverSays],
          checks: [`Add Office 365 Exchange Online → Delegated → ${EAS_PERMISSION} to the app registration and grant consent.`, `Ask for https://outlook.office365.com/${EAS_PERMISSION} when signing in.`],
          checklistIds: [CHECKLIST_ID.oauthToken],
          searchTerms: [EAS_PERMISSION, 'insufficient_scope'],
        }),
      );
    }
    const sentAt = Date.parse(stepStart(facts) ?? '');
    const expiresAt = Date.parse(claims.expiresAt ?? '');
    const expiredByClaims = Number.isFinite(sentAt) && Number.isFinite(expiresAt) && expiresAt + SKEW_MS < sentAt;
    const serverExpired = category === 'expired_token' || /expired/.test(reason);
    if (expiredByClaims || serverExpired) {
      const minutes = Number.isFinite(sentAt) && Number.isFinite(expiresAt) ? Math.round((sentAt - expiresAt) / 60_000) : undefined;
      causes.push(
        makeCause({
          id: 'oauth.tokenExpired',
          title: 'The token had expired when it was sent',
          score: expiredByClaims && serverExpired ? 93 : expiredByClaims ? 80 : 66,
          explanation: `Access tokens live about an hour. This one expired at ${claims.expiresAt ?? 'an unknown time'}${minutes !== undefined && minutes > 0 ? `, ${minutes} min before the request` : ''}: a stale cached or pasted token, a client that does not refresh, or a clock far off on the machine that judged it.`,
          supporting: [ref(tokenStep, 'Token expiry (exp)', claims.expiresAt ?? 'missing'), ...(Number.isFinite(sentAt) ? [ref('optionsAuthenticated', 'Step started', new Date(sentAt).toISOString())] : []), ...serverSays],
          checks: ['Sign in again (or let the client use its refresh token) and rerun.', 'Check the clock of this machine and of the server.'],
          checklistIds: [CHECKLIST_ID.oauthToken],
          searchTerms: ['token has expired', 'invalid_token'],
        }),
      );
    }
  }

  if (causes.length === 0) {
    causes.push(
      makeCause({
        id: 'oauth.tokenRefused',
        title: 'The server refused the OAuth token',
        score: 60,
        explanation: 'The server answered 401 to the Bearer token, and neither its answer nor the token\'s claims name a more specific reason. Compare the claims with what the server expects (issuer of your tenant, audience, scope, expiry).',
        supporting: [...serverSays, ...(claims?.format === 'jwt' ? [ref(tokenStep, 'Token audience (aud)', claims.audience ?? 'missing'), ref(tokenStep, 'Token tenant (tid)', claims.tenantId ?? 'missing')] : [ref(tokenStep, 'Token', 'not a JWT: its claims could not be read')])],
        checks: ['Read the x-ms-diagnostics header and the Bearer error in the step\'s HTTP evidence.', 'Check the token was issued by your own tenant for Exchange.'],
        checklistIds: [CHECKLIST_ID.oauthToken],
      }),
    );
  }
  return causes;
}

function mailboxNotEnabled(facts: RunFacts): DiagnosisCause {
  const claims = facts.oauthToken?.value;
  const user = claims?.userPrincipalName ?? facts.userName;
  return makeCause({
    id: 'oauth.mailboxNotEnabled',
    title: 'Signed in, but the mailbox may not use ActiveSync (licence or ActiveSync setting)',
    score: 86,
    explanation: `Exchange accepted the OAuth token${user ? ` of ${user}` : ''} and still refused ActiveSync with 403. The sign-in is fine; the mailbox is not allowed: the user has no Exchange Online licence (no mailbox), ActiveSync is switched off for the mailbox, or a device access rule blocks the client.`,
    supporting: [ref('optionsAuthenticated', 'HTTP status', '403'), ref(facts.usedScheme?.stepId ?? 'optionsAuthenticated', 'Signed in with', 'Bearer (OAuth)'), ...(user ? [ref(facts.oauthToken?.stepId ?? 'optionsAuthenticated', 'Token user (upn)', user)] : [])],
    checks: ['Check the user\'s licences include Exchange Online.', 'Get-CASMailbox <user> | Format-List ActiveSyncEnabled'],
    checklistIds: [CHECKLIST_ID.exchangeOnlineLicence, CHECKLIST_ID.easUserEnabled, CHECKLIST_ID.deviceAccess],
    searchTerms: ['ActiveSyncEnabled', 'Exchange Online ActiveSync 403'],
  });
}

function signInRefusal(facts: RunFacts): DiagnosisCause {
  const signIn = facts.oauthSignIn?.value;
  const stepId = facts.oauthSignIn?.stepId ?? 'optionsAuthenticated';
  const codes = signIn?.errorCodes ?? [];
  const supporting: EvidenceRef[] = [ref(stepId, 'Sign-in error', `${signIn?.error ?? 'unknown'}${codes.length ? ` (${codes.map((c) => `AADSTS${c}`).join(', ')})` : ''}`)];
  if (signIn?.message) supporting.push(ref(stepId, 'Authority said', signIn.message));
  if (codes.some((c) => CONDITIONAL_ACCESS_CODES.has(c)) || /conditional access|compliant/i.test(signIn?.message ?? '')) {
    return makeCause({
      id: 'oauth.conditionalAccess',
      title: 'Conditional Access blocked the sign-in (device compliance or another policy)',
      score: 92,
      explanation: 'Microsoft Entra ID refused to issue a token because a Conditional Access policy was not met, for instance a compliant or hybrid-joined device. Exchange never saw a request: the fix is in the policy or on the device, not on the Exchange side.',
      supporting,
      checks: ['Open the failed sign-in in the Entra sign-in logs and read its Conditional Access tab.', 'Check the device\'s compliance in Intune.'],
      checklistIds: [CHECKLIST_ID.conditionalAccess],
      searchTerms: codes.map((c) => `AADSTS${c}`),
    });
  }
  const hint = codes.map((c) => SIGN_IN_HINTS[c]).find(Boolean);
  return makeCause({
    id: 'oauth.signInRefused',
    title: hint ? `The sign-in was refused: ${hint}` : 'The OAuth sign-in did not produce a token',
    score: hint ? 82 : 60,
    explanation: `No token was issued, so Exchange was never asked. ${hint ? `The authority's code says ${hint}.` : 'The authority\'s answer is in the evidence; look its AADSTS code up in the Entra sign-in logs.'}`,
    supporting,
    checks: ['Check the app registration (client id, tenant, public client flows, API permissions and consent).', 'Read the failed sign-in in the Entra sign-in logs.'],
    checklistIds: [CHECKLIST_ID.oauthToken],
    searchTerms: codes.map((c) => `AADSTS${c}`),
  });
}

/** When the authenticated OPTIONS was sent (the step's start), for judging expiry. */
function stepStart(facts: RunFacts): string | undefined {
  return facts.allSteps.find((s) => s.id === 'optionsAuthenticated')?.startedAt;
}
