// The server keeps asking for provisioning, or refuses the policy acknowledgment.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const provisioningPolicyChecklist: Checklist = {
  id: CHECKLIST_ID.provisioningPolicy,
  title: 'Fix provisioning (the policy key is not accepted)',
  why: 'A device fetches the mobile device policy, acknowledges it and then sends the final policy key (X-MS-PolicyKey) with every command. When the server still answers 449 or status 142–144 after that, it never sees or never accepts the key.',
  warnings: [],
  steps: [
    {
      id: 'check-proxy-headers',
      text: 'Check that every reverse proxy, load balancer or firewall between devices and Exchange passes the X-MS-PolicyKey and MS-ASProtocolVersion request headers unchanged (header allow-lists often drop them).',
    },
    {
      id: 'check-policy',
      text: 'Check which policy applies to the mailbox and what it requires.',
      commands: [{ label: 'Exchange 2013 and later, Exchange Online', language: 'powershell', code: 'Get-CASMailbox <user> | Format-List ActiveSyncMailboxPolicy\nGet-MobileDeviceMailboxPolicy <policy> | Format-List AllowNonProvisionableDevices,DevicePolicyRefreshInterval,PasswordEnabled' }],
    },
    { id: 'check-load-balancer-affinity', text: 'With several servers behind a load balancer, check they share the device\'s state (same Exchange version and database access); a server that never saw the acknowledgment asks again.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'FolderSync passes after Provision.' },
  ],
  links: [],
};
