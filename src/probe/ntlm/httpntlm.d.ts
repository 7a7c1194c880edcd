// Types for the part of the httpntlm package the probe uses: its NTLM message builders
// (ntlm.js), not its HTTP client.
declare module 'httpntlm/ntlm' {
  interface Type2Fields {
    serverChallenge: Buffer;
    negotiateFlags: number;
    targetInfo?: Buffer;
  }
  interface NtlmOptions {
    username?: string;
    password?: string;
    domain?: string;
    workstation?: string;
  }
  /** "NTLM <base64 NEGOTIATE_MESSAGE>". */
  export function createType1Message(options: NtlmOptions): string;
  /** "NTLM <base64 AUTHENTICATE_MESSAGE>": NTLMv2 when the challenge asks for extended security. */
  export function createType3Message(type2: Type2Fields, options: NtlmOptions): string;
  /** MD4 of the UTF-16LE password (js-md4, so it works where OpenSSL 3 has no MD4). */
  export function create_NT_hashed_password(password: string): Buffer;
}
