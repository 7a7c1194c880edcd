# Sample Exchange Management Shell script used as the test workspace's PowerShell file.
# It shows the ActiveSync virtual directory's authentication settings so editor features have real content.
param(
    [string]$Server = $env:COMPUTERNAME
)

$vdir = Get-ActiveSyncVirtualDirectory -Server $Server
Write-Host "Endpoint: https://$($vdir.ExternalUrl.Host)/Microsoft-Server-ActiveSync"
$vdir | Format-List Name, BasicAuthEnabled, WindowsAuthEnabled, ClientCertAuth, InternalUrl, ExternalUrl

# Basic authentication must be on for most phones that sign in with a user name and password.
if (-not $vdir.BasicAuthEnabled) {
    Write-Warning 'Basic authentication is off on the ActiveSync virtual directory.'
    # Set-ActiveSyncVirtualDirectory -Identity $vdir.Identity -BasicAuthEnabled $true
}
