// The client's NTLM messages, built by the httpntlm package (its NTLMv2 code and its pure-JS MD4,
// so no crypto is hand-written here and OpenSSL 3's missing MD4 does not matter). The probe
// always answers with NTLMv2: it never sends the LM or NTLMv1 responses an old or hostile server
// could ask for, because those can be cracked back into the password.
import type * as HttpNtlm from 'httpntlm/ntlm';
import { NTLM_FLAGS, type NtlmChallengeMessage } from '../../protocol/ntlm/ntlmChallenge';
import type { NtlmIdentity } from './ntlmUserName';

/** An empty AV pair list: only the MsvAvEOL terminator. */
const EMPTY_TARGET_INFO = Buffer.from([0, 0, 0, 0]);

// httpntlm (with its DES and MD4 code) loads on the first NTLM message, not with every start of
// a probe that signs in with Basic or OAuth, or never gets past OPTIONS.
let httpNtlm: typeof HttpNtlm | undefined;
function ntlm(): typeof HttpNtlm {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  httpNtlm ??= require('httpntlm/ntlm') as typeof HttpNtlm;
  return httpNtlm;
}

function tokenOf(header: string): Buffer {
  return Buffer.from(header.slice(header.indexOf(' ') + 1), 'base64');
}

/**
 * The NEGOTIATE message (type 1). No domain or workstation is sent: the workstation name would
 * tell the server the admin's machine name for nothing.
 */
export function negotiateMessage(): Buffer {
  return tokenOf(ntlm().createType1Message({ domain: '', workstation: '' }));
}

/** The AUTHENTICATE message (type 3) answering the server's challenge, always NTLMv2. */
export function authenticateMessage(challenge: NtlmChallengeMessage, identity: NtlmIdentity, password: string): Buffer {
  return tokenOf(
    ntlm().createType3Message(
      {
        serverChallenge: challenge.serverChallenge,
        // Extended security makes httpntlm answer with NTLMv2, whatever the server asked for.
        negotiateFlags: (challenge.flags | NTLM_FLAGS.extendedSessionSecurity | NTLM_FLAGS.unicode) >>> 0,
        targetInfo: challenge.targetInfo ?? EMPTY_TARGET_INFO,
      },
      { username: identity.user, password, domain: identity.domain, workstation: '' },
    ),
  );
}
