// The device the probe presents to the server. It is stable (the same on every run unless the
// admin changes it) so it can be allowed in Allow/Block/Quarantine rules, and it says what it is.

export const DEFAULT_DEVICE_ID = 'ActiveSyncDoctorProbe';
export const DEFAULT_DEVICE_TYPE = 'ActiveSyncDoctor';

/** Why an identity would be refused by Exchange (HTTP 400 with status 108/109), or undefined when it is fine. */
export function deviceIdentityProblem(deviceId: string, deviceType: string): string | undefined {
  if (!/^[A-Za-z0-9]{1,32}$/.test(deviceId)) return `The device id "${deviceId.slice(0, 40)}" must be 1 to 32 letters and digits (Exchange refuses anything else with status 108).`;
  if (!deviceType || deviceType.length > 32 || !/^[\x21-\x7e]+$/.test(deviceType) || deviceType.includes('-')) {
    return `The device type "${deviceType.slice(0, 40)}" must be 1 to 32 visible characters without "-" (Exchange refuses anything else with status 109).`;
  }
  return undefined;
}
