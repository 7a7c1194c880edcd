// Reads the settings a test runs with, from VS Code's configuration, at the moment a test starts:
// one place for the single run and the batch, so both map the settings to probe options the same way.
import * as vscode from 'vscode';
import type { ProbeOptions } from '../probe/probeOptions';
import { errorMessage } from '../common/errorMessage';
import { log } from './logger';
import { readCaPem } from '../probe/extraCaFile';
import { optionsFromSettings, type SettingsOptions } from './probeSettings';

/** What a run (single or batch) takes from VS Code: probe options, the extra CA, and the setting notes. */
export interface RunSettings {
  options: SettingsOptions['options'] & Pick<ProbeOptions, 'extraCaPem'>;
  notes: string[];
  /** Tenant and client id for an OAuth sign-in through VS Code's Microsoft account. */
  oauth?: SettingsOptions['oauth'];
}

/**
 * Settings and the extra CA file as probe options, read when a run starts; the notes of settings
 * that relax a check are logged here and recorded in each run by recordSettingNotes. A run against
 * the built-in lab alone (`labOnly`) skips the extra CA file: it trusts the lab's CA (see trustLab).
 */
export async function probeOptionsForRun({ labOnly }: { labOnly: boolean }): Promise<RunSettings> {
  const { options, notes, oauth } = readSettingsOptions();
  const extraCaPem = labOnly ? undefined : await readExtraCa();
  for (const note of notes) log().warn(note);
  return { options: { ...options, extraCaPem }, notes, oauth };
}

/**
 * Targets on the built-in lab of this window: trust its CA (a key that exists only in this
 * process) and, when every target is on the lab, keep its loopback traffic away from http.proxy.
 */
export function trustLab(settings: RunSettings, labCaPem: string, { labOnly }: { labOnly: boolean }): void {
  settings.options.extraCaPem = [settings.options.extraCaPem, labCaPem].filter(Boolean).join('\n');
  if (labOnly) settings.options.proxy = '';
}

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
    testDepth: config.get('testDepth'),
    deviceId: config.get('deviceId'),
    deviceType: config.get('deviceType'),
    oauthTenant: config.get('oauth.tenant'),
    oauthClientId: config.get('oauth.clientId'),
  });
}

/** The extra CA file from activesyncDoctor.extraCaFile, read at run time; a missing file is reported, not fatal. */
export async function readExtraCa(): Promise<string | undefined> {
  const path = vscode.workspace.getConfiguration('activesyncDoctor').get<string>('extraCaFile', '');
  if (!path?.trim()) return undefined;
  try {
    // Size-capped (a device or FIFO never ends) and refused unless it holds real certificates.
    return await readCaPem(path.trim());
  } catch (error) {
    void vscode.window.showWarningMessage(`activesyncDoctor.extraCaFile was not used: ${errorMessage(error)}`);
    return undefined;
  }
}
