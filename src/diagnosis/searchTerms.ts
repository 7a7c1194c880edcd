// Phrases admins paste into search engines, mostly the Remote Connectivity Analyzer's wording for
// the same failures. Attached to causes so an admin can match our finding to what they've read.
export const RCA_PHRASES = {
  optionsFailed: 'Testing of the OPTIONS command failed',
  http401: 'An HTTP 401 Unauthorized response was received from the remote IIS server',
  options401: 'The ActiveSync OPTIONS command returned an HTTP 401 Error',
  missingHeader: 'Could not find MS-Server-ActiveSync header in OPTIONS response',
  noVersion: 'Could not negotiate an appropriate Airsync version with server',
  http451: 'Exchange ActiveSync returned an HTTP 451 response',
  noAuthMethods: 'No supported Authentication Methods found in Response',
  missingAuthMethods: 'All Required Authentication Methods could not be found',
} as const;
