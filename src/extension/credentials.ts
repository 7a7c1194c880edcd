// Asks for the server, the user name and the password, and keeps passwords only where VS Code
// keeps secrets (SecretStorage), keyed by server and user. Nothing here writes a password to
// settings, globalState, the log or the run.
import * as vscode from 'vscode';
import { readTypedTarget } from './typedTarget';
import { parsePasswordKey, passwordKey, serverKey } from './serverKey';
import type { PersistentState } from './persistentState';

export class Credentials {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: PersistentState,
  ) {}

  /** Recent servers to pick from, or a new one typed in. Undefined when the user cancels. */
  async promptServer(): Promise<string | undefined> {
    const recent = this.state.recentServers();
    const picker = vscode.window.createQuickPick<vscode.QuickPickItem & { server?: string }>();
    picker.title = 'ActiveSync server to test';
    picker.placeholder = 'Host name, URL or e-mail address, e.g. mail.contoso.com or jdoe@contoso.com (found with Autodiscover)';
    picker.ignoreFocusOut = true;
    const recentItems = recent.map((r) => ({ label: r.input, description: 'recent', server: r.input, iconPath: new vscode.ThemeIcon('history') }));
    picker.items = recentItems;
    picker.onDidChangeValue((value) => {
      const typed = value.trim();
      const exact = recentItems.some((item) => item.server.toLowerCase() === typed.toLowerCase());
      picker.items = typed && !exact
        ? [{ label: typed, description: 'test this server', server: typed, iconPath: new vscode.ThemeIcon('play') }, ...recentItems]
        : recentItems;
    });
    return new Promise((resolve) => {
      let settled = false;
      picker.onDidAccept(() => {
        const chosen = picker.selectedItems[0]?.server ?? picker.activeItems[0]?.server ?? picker.value.trim();
        if (!chosen) return;
        settled = true;
        // An e-mail address stays one (Autodiscover finds the server); from a URL, a user name or
        // password is dropped here, before it is shown, keyed or remembered.
        const typed = readTypedTarget(chosen);
        if (typed.dropped) {
          void vscode.window.showWarningMessage(typed.dropped === 'password'
            ? 'A password in the server address was discarded: it was not used or stored. Enter it in the password box instead.'
            : 'A user name in the server address was discarded: enter it in the user name box instead.');
        }
        resolve(typed.target);
        picker.hide();
      });
      picker.onDidHide(() => {
        if (!settled) resolve(undefined);
        picker.dispose();
      });
      picker.show();
    });
  }

  async promptUserName(server: string): Promise<string | undefined> {
    const configured = vscode.workspace.getConfiguration('activesyncDoctor').get<string>('defaultUserName', '');
    // Starting from an e-mail address, a phone signs in as that address: offer it first.
    const address = readTypedTarget(server).suggestedUserName;
    return vscode.window.showInputBox({
      title: `User name for ${server}`,
      prompt: 'A UPN (user@contoso.com) or DOMAIN\\user. Leave empty to test without signing in.',
      value: this.state.lastUserName(serverKey(server)) ?? address ?? configured,
      ignoreFocusOut: true,
    });
  }

  async savedPassword(server: string, userName: string): Promise<string | undefined> {
    return this.secrets.get(passwordKey(server, userName));
  }

  async promptPassword(server: string, userName: string): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: `Password for ${userName} on ${server}`,
      prompt: 'Used for this test only, unless you choose to keep it in VS Code\'s secret storage afterwards.',
      password: true,
      ignoreFocusOut: true,
    });
  }

  /** Offers, without blocking the caller, to keep a password that was typed in. */
  offerToSave(server: string, userName: string, password: string): void {
    const keep = 'Keep in Secret Storage';
    void vscode.window
      .showInformationMessage(`Keep the password for ${userName} on ${serverKey(server) || server} for the next test?`, keep, 'Not Now')
      .then(async (answer) => {
        if (answer === keep) await this.secrets.store(passwordKey(server, userName), password);
      });
  }

  async savePassword(server: string, userName: string, password: string): Promise<void> {
    await this.secrets.store(passwordKey(server, userName), password);
  }

  /** Lists saved passwords (server and user only) and deletes the chosen ones. */
  async forget(): Promise<number> {
    const saved = (await this.secrets.keys()).map((key) => ({ key, parsed: parsePasswordKey(key) })).filter((k) => k.parsed);
    if (saved.length === 0) {
      void vscode.window.showInformationMessage('No ActiveSync passwords are saved.');
      return 0;
    }
    const picked = await vscode.window.showQuickPick(
      saved.map((s) => ({ label: s.parsed!.userName, description: s.parsed!.server, key: s.key, picked: saved.length === 1 })),
      { title: 'Forget saved passwords', placeHolder: 'Choose the passwords to remove from secret storage', canPickMany: true },
    );
    if (!picked?.length) return 0;
    for (const item of picked) await this.secrets.delete(item.key);
    void vscode.window.showInformationMessage(`Removed ${picked.length} saved password${picked.length === 1 ? '' : 's'}.`);
    return picked.length;
  }
}
