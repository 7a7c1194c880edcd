// The remediation checklists as data, looked up by stable id. Each checklist lives in its own file
// under checklists/; this is the index the diagnosis, the webview, the CLI and exports read.
import type { Checklist, Diagnosis } from './diagnosisModel';
import { anonymousAccessChecklist } from './checklists/anonymousAccessChecklist';
import { blocked456Checklist } from './checklists/blocked456Checklist';
import { credentialsChecklist } from './checklists/credentialsChecklist';
import { deviceAccessChecklist } from './checklists/deviceAccessChecklist';
import { easUserEnabledChecklist } from './checklists/easUserEnabledChecklist';
import { maxDevicesChecklist } from './checklists/maxDevicesChecklist';
import { provisioningPolicyChecklist } from './checklists/provisioningPolicyChecklist';
import { remoteWipeChecklist } from './checklists/remoteWipeChecklist';
import { esm2003IwaChecklist } from './checklists/esm2003IwaChecklist';
import { exoModernAuthChecklist } from './checklists/exoModernAuthChecklist';
import { forbidden403Checklist } from './checklists/forbidden403Checklist';
import { moved451Checklist } from './checklists/moved451Checklist';
import { passwordExpired457Checklist } from './checklists/passwordExpired457Checklist';
import { reachabilityChecklist } from './checklists/reachabilityChecklist';
import { reverseProxyChecklist } from './checklists/reverseProxyChecklist';
import { serverError500Checklist } from './checklists/serverError500Checklist';
import { tlsCertificateChecklist } from './checklists/tlsCertificateChecklist';
import { unavailable503Checklist } from './checklists/unavailable503Checklist';
import { upnSignInChecklist } from './checklists/upnSignInChecklist';
import { vdirAuthMethodsChecklist } from './checklists/vdirAuthMethodsChecklist';
import { conditionalAccessChecklist } from './checklists/conditionalAccessChecklist';
import { hybridModernAuthChecklist } from './checklists/hybridModernAuthChecklist';
import { exchangeOnlineLicenceChecklist } from './checklists/exchangeOnlineLicenceChecklist';
import { oauthTokenChecklist } from './checklists/oauthTokenChecklist';
import { autodiscoverBasicAuthChecklist } from './checklists/autodiscoverBasicAuthChecklist';

export { CHECKLIST_ID, type ChecklistId } from './checklists/checklistIds';
export { verificationScripts } from './verificationScripts';

export const CHECKLISTS: readonly Checklist[] = [
  esm2003IwaChecklist,
  vdirAuthMethodsChecklist,
  credentialsChecklist,
  upnSignInChecklist,
  exoModernAuthChecklist,
  tlsCertificateChecklist,
  reachabilityChecklist,
  forbidden403Checklist,
  moved451Checklist,
  blocked456Checklist,
  passwordExpired457Checklist,
  serverError500Checklist,
  unavailable503Checklist,
  reverseProxyChecklist,
  anonymousAccessChecklist,
  deviceAccessChecklist,
  easUserEnabledChecklist,
  remoteWipeChecklist,
  maxDevicesChecklist,
  provisioningPolicyChecklist,
  oauthTokenChecklist,
  exchangeOnlineLicenceChecklist,
  conditionalAccessChecklist,
  hybridModernAuthChecklist,
  autodiscoverBasicAuthChecklist,
];

export function getChecklist(id: string): Checklist | undefined {
  return CHECKLISTS.find((c) => c.id === id);
}

/** The checklists a diagnosis points at, best cause first, each once. */
export function checklistsFor(checklistIds: readonly string[]): Checklist[] {
  const out: Checklist[] = [];
  for (const id of checklistIds) {
    const c = getChecklist(id);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

/** The checklists of every cause of a diagnosis, best cause first, each once. */
export function checklistsOfDiagnosis(diagnosis: Pick<Diagnosis, 'causes'>): Checklist[] {
  return checklistsFor(diagnosis.causes.flatMap((c) => c.checklistIds));
}

/** Every tickable id as `checklistId/stepId`, sub-steps included, in display order. */
export function allChecklistStepKeys(checklists: readonly Checklist[] = CHECKLISTS): string[] {
  const keys: string[] = [];
  for (const c of checklists) {
    const visit = (steps: Checklist['steps']) => {
      for (const s of steps) {
        keys.push(`${c.id}/${s.id}`);
        if (s.substeps) visit(s.substeps);
      }
    };
    visit(c.steps);
  }
  return keys;
}
