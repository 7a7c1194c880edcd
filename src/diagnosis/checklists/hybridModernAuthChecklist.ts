// Hybrid Modern Authentication: an on-premises Exchange that offers Bearer (authorization_uri in
// its challenge) must trust Entra ID's tokens: an EvoSTS auth server, OAuth2ClientProfileEnabled,
// and the on-premises URLs registered on the Exchange Online service principal.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const hybridModernAuthChecklist: Checklist = {
  id: CHECKLIST_ID.hybridModernAuth,
  title: 'Check Hybrid Modern Authentication on the on-premises Exchange servers',
  why: 'With Hybrid Modern Authentication, on-premises Exchange accepts tokens issued by Entra ID. It needs Entra ID registered as an authorization server (EvoSTS), the OAuth client profile switched on, and its own external URLs registered as service principal names of Office 365 Exchange Online, so that tokens are issued for them.',
  warnings: ['Hybrid Modern Authentication changes how every Outlook and mobile client signs in: plan it with the hybrid configuration, not as a quick fix.'],
  steps: [
    {
      id: 'check-auth-server',
      text: 'In the Exchange Management Shell, check that an enabled authorization server for Entra ID (EvoSTS) exists.',
      commands: [{ label: 'Authorization servers', language: 'powershell', code: 'Get-AuthServer | Format-List Name,Type,IssuingIdentifier,AuthMetadataUrl,Enabled' }],
      expected: 'An entry named EvoSts - <tenant id> (Type AzureAD), Enabled : True',
    },
    {
      id: 'check-oauth2-client-profile',
      text: 'Check that the OAuth client profile is on for the organisation.',
      commands: [
        { label: 'Read the setting', language: 'powershell', code: 'Get-OrganizationConfig | Format-List OAuth2ClientProfileEnabled' },
        { label: 'Switch it on', language: 'powershell', code: 'Set-OrganizationConfig -OAuth2ClientProfileEnabled $true' },
      ],
      expected: 'OAuth2ClientProfileEnabled : True',
    },
    {
      id: 'check-intraorg-connector',
      text: 'Check the IntraOrganizationConnector to Exchange Online exists and is enabled (the Hybrid Configuration Wizard creates it).',
      commands: [{ label: 'Connectors', language: 'powershell', code: 'Get-IntraOrganizationConnector | Format-List Name,TargetAddressDomains,DiscoveryEndpoint,Enabled' }],
    },
    {
      id: 'check-service-principal-names',
      text: 'Check that the on-premises ActiveSync URL (https://mail.contoso.com) is a service principal name of Office 365 Exchange Online in Entra ID.',
      commands: [{ label: 'Microsoft Graph PowerShell', language: 'powershell', code: "(Get-MgServicePrincipal -Filter \"AppId eq '00000002-0000-0ff1-ce00-000000000000'\").ServicePrincipalNames" }],
      expected: 'The list contains the external host name of the ActiveSync URL.',
    },
    {
      id: 'check-auth-certificate',
      text: 'Check the OAuth certificate Exchange signs with is valid and published (Get-AuthConfig), and run the Hybrid Configuration Wizard again if it was renewed.',
      commands: [{ label: 'Auth configuration', language: 'powershell', code: 'Get-AuthConfig | Format-List CurrentCertificateThumbprint,ServiceName\nGet-ExchangeCertificate (Get-AuthConfig).CurrentCertificateThumbprint | Format-List Subject,NotAfter' }],
    },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with OAuth.', expected: 'OPTIONS with the Bearer token returns 200.' },
  ],
  links: [],
};
