// Getting packets to the server at all: DNS, firewalls, NAT/publishing, load balancers.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const reachabilityChecklist: Checklist = {
  id: CHECKLIST_ID.reachability,
  title: 'Make the ActiveSync host reachable (DNS, firewall, publishing)',
  why: 'Devices must resolve the host name and open a TCP connection to port 443 of the server or of whatever publishes it.',
  warnings: ['Internal and external DNS often differ (split DNS): test from the network the devices use.'],
  steps: [
    {
      id: 'resolve-name',
      text: 'Resolve the host name from the devices\' network and from here.',
      commands: [{ label: 'Name resolution', language: 'batch', code: 'nslookup <host>' }],
      expected: 'The name resolves to the public address of the server or its publishing device.',
    },
    {
      id: 'test-port',
      text: 'Test the TCP port from here.',
      commands: [{ label: 'Windows PowerShell', language: 'powershell', code: 'Test-NetConnection <host> -Port 443' }],
      expected: 'TcpTestSucceeded : True',
    },
    { id: 'check-firewall', text: 'Check firewall and NAT rules allow the port to the server (or its publishing device).' },
    { id: 'check-load-balancer', text: 'Check the load balancer\'s virtual service has healthy members and forwards /Microsoft-Server-ActiveSync.' },
    { id: 'check-iis-binding', text: 'On the server, check the Default Web Site is started and bound to the port.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'The DNS and TCP steps pass.' },
  ],
  links: [LINKS.remoteConnectivityAnalyzer],
};
