// The input step: check what the user gave before anything touches the network: the server
// address (see targetInput.ts), the user name's form, the connect-to override, the device identity
// (when commands will be sent) and the sign-in method. Every finding becomes a child step; an
// error stops the run here. An e-mail address as the target (or --autodiscover) needs what
// Autodiscover asks with: an address, and an https Autodiscover URL when one is given.
import { isIP } from 'node:net';
import { deviceIdentityProblem } from './eas/deviceIdentity';
import type { ProbeContext, StepOutcome } from './probeContext';
import { AUTH_METHODS } from './runModel';
import { childStep } from './stepBuilder';
import { parseEmailTarget } from './emailTarget';
import { abbreviate, judgeUserName, userNameForm, type InputFinding } from './targetInput';
import { removeUserInfo } from './urlUserInfo';

const AUTH_LABELS: Record<string, string> = {
  basic: 'Basic',
  oauth: 'OAuth 2.0 (Bearer token)',
  ntlm: 'NTLM (Integrated Windows authentication)',
  negotiate: 'Negotiate (NTLM inside SPNEGO; Kerberos is not attempted)',
  auto: 'Automatic: Negotiate or NTLM first, then Basic (OAuth when the server offers only Bearer)',
};

function describeForm(form: string): string {
  return form === 'upn' ? 'user principal name' : form === 'downLevel' ? 'DOMAIN\\user form' : form === 'bare' ? 'bare name, no domain' : form;
}

export async function runInputStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { target, options, auth } = ctx;
  const b = ctx.begin('input');
  const findings: InputFinding[] = [...target.findings];
  const email = ctx.emailTarget;
  // With OAuth and no user name typed, the sign-in names the user: nothing to judge yet.
  if (target.ok && !(auth === 'oauth' && !options.userName)) findings.push(...judgeUserName(options.userName, email ? email.domain : target.host));
  if (ctx.wantsAutodiscover) findings.push(...autodiscoverFindings(ctx));
  if (options.connectTo && isIP(options.connectTo) === 0) {
    // A name here would be resolved behind the user's back: only an address is meant.
    findings.push({ severity: 'error', category: 'input.invalidHost', message: `The connect-to override "${abbreviate(options.connectTo, 60)}" is not an IP address.` });
  }
  if (ctx.mode !== 'options') {
    const identityProblem = deviceIdentityProblem(ctx.deviceId, ctx.deviceType);
    if (identityProblem) findings.push({ severity: 'error', category: 'input.deviceIdentity', message: identityProblem });
  }
  if (!(AUTH_METHODS as readonly string[]).includes(auth)) {
    findings.push({ severity: 'error', category: 'input.userNameForm', message: `Unknown authentication method "${abbreviate(String(auth), 40)}": use basic, ntlm, negotiate, auto or oauth.` });
  }
  if (auth === 'oauth' && !options.bearerToken) {
    findings.push({ severity: 'error', category: 'input.missingUser', message: 'OAuth sign-in was chosen but nothing can provide a token for this run.' });
  }
  b.evidence.userNameForm = userNameForm(options.userName);
  if (email) b.detail('E-mail address', `${email.address} (Autodiscover finds the server)`);
  if (options.autodiscoverUrl) b.detail('Autodiscover URL', options.autodiscoverUrl);
  b.detail('URL', target.url || (email ? 'from Autodiscover' : '(none)')).detail('Host', target.displayHost ? `${target.host} (${target.displayHost})` : target.host).detail('Port', target.port || undefined);
  b.detail('User name', options.userName ? `${options.userName} (${describeForm(userNameForm(options.userName))})` : auth === 'oauth' ? 'from the OAuth sign-in' : 'none (anonymous checks only)');
  b.detail('Sign-in method', AUTH_LABELS[auth] ?? String(auth));
  if (auth !== 'basic' && options.domain?.trim()) b.detail('Domain for bare user names', options.domain.trim());
  for (const f of findings) b.child(childStep(`input.${f.category}`, f.message, f.severity === 'error' ? 'failed' : f.severity === 'warning' ? 'warning' : 'passed', f.message));
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (errors.length) {
    ctx.push(b.finish('failed', errors[0].message, { category: errors[0].category }));
    return { stop: 'Skipped: the input is not usable.' };
  }
  ctx.push(warnings.length
    ? b.finish('warning', warnings.map((w) => w.message).join(' '), { category: warnings[0].category })
    : b.finish('passed', email
      ? `Starting from ${email.address}${!options.userName ? ' anonymously' : options.userName === email.address ? ', signing in as that address' : ` as ${options.userName}`}: Autodiscover finds the server.`
      : `Probing ${target.url}${options.userName ? ` as ${options.userName}` : auth === 'oauth' ? ' with an OAuth sign-in' : ' anonymously'}.`));
  return 'next';
}

/** What Autodiscover needs: an address to ask for, and an https Autodiscover URL when one is given. */
function autodiscoverFindings(ctx: ProbeContext): InputFinding[] {
  const { options } = ctx;
  const findings: InputFinding[] = [];
  if (!ctx.emailTarget && !parseEmailTarget(options.userName)) {
    findings.push({ severity: 'error', category: 'input.missingUser', message: 'Autodiscover asks for an e-mail address: give the user name as user@domain, or the address instead of the server.' });
  }
  if (options.autodiscoverUrl !== undefined) {
    const { text, had } = removeUserInfo(options.autodiscoverUrl.trim());
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (had) findings.push({ severity: 'error', category: 'input.credentialsInUrl', message: 'The Autodiscover URL holds a user name or password: give them as the user name and password instead.' });
    else if (!url || url.protocol !== 'https:' || !url.hostname) {
      findings.push({ severity: 'error', category: 'input.invalidUrl', message: `The Autodiscover URL "${abbreviate(text, 80)}" is not an https:// URL; Autodiscover carries the password, so it is asked over https only.` });
    }
  }
  return findings;
}
