// The stable ids of every remediation checklist, in one place so rules and checklists can't drift
// apart. Ticks persist by `checklistId/stepId`: never rename one without a note in CHECKLIST_IDS.md.
export const CHECKLIST_ID = {
  esm2003Iwa: 'esm-2003-iwa',
  vdirAuthMethods: 'vdir-auth-methods',
  credentials: 'credentials',
  upnSignIn: 'upn-sign-in',
  exoModernAuth: 'exo-modern-auth',
  tlsCertificate: 'tls-certificate',
  reachability: 'dns-tcp-reachability',
  forbidden403: 'activesync-403',
  moved451: 'mailbox-moved-451',
  blocked456: 'account-blocked-456',
  passwordExpired457: 'password-expired-457',
  serverError500: 'server-error-500',
  unavailable503: 'service-unavailable-503',
  reverseProxy: 'reverse-proxy-options',
  anonymousAccess: 'anonymous-access',
  deviceAccess: 'device-access-abq',
  easUserEnabled: 'activesync-user-enabled',
  remoteWipe: 'remote-wipe-pending',
  maxDevices: 'maximum-devices',
  provisioningPolicy: 'provisioning-policy',
  oauthToken: 'oauth-token',
  exchangeOnlineLicence: 'exchange-online-licence',
  conditionalAccess: 'conditional-access',
  hybridModernAuth: 'hybrid-modern-auth',
  autodiscoverBasicAuth: 'autodiscover-basic-auth',
} as const;

export type ChecklistId = (typeof CHECKLIST_ID)[keyof typeof CHECKLIST_ID];
