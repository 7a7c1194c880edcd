// Reads the settings a test runs with, from VS Code's configuration, at the moment a test starts:
// one place for the single run and the batch, so both map the settings to probe options the same way.
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { optionsFromSettings, type SettingsOptions } from './probeSettings';

/** The extension's settings (and VS Code's http.proxy / http.proxyStrictSSL) as probe options and notes. */
export function readSettingsOptions(): SettingsOptions {
  const config = vscode.workspace.getConfiguration('activesyncDoctor');
  const http = vscode.workspace.getConfiguration('http');
  return optionsFromSettings({
    timeoutSeconds: config.get('timeoutSeconds'),
    crossCheck: config.get('crossCheck'),
    allowUntrustedCertificates: config.get('allowUntrustedCertificates'),
    allowPlainHttp: config.get('allowPlainHttp'),
    httpProxy: http.get('proxy'),
    httpProxyStrictSSL: http.get('proxyStrictSSL'),
    authentication: config.get('authentication'),
    domain: config.get('domain'),
  });
}

/** The extra CA file from activesyncDoctor.extraCaFile, read at run time; a missing file is reported, not fatal. */
export async function readExtraCa(): Promise<string | undefined> {
  const path = vscode.workspace.getConfiguration('activesyncDoctor').get<string>('extraCaFile', '');
  if (!path?.trim()) return undefined;
  try {
    const pem = await fs.readFile(path.trim(), 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      void vscode.window.showWarningMessage(`activesyncDoctor.extraCaFile does not contain a PEM certificate: ${path}`);
      return undefined;
    }
    return pem;
  } catch (error) {
    void vscode.window.showWarningMessage(`Could not read activesyncDoctor.extraCaFile (${path}): ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
