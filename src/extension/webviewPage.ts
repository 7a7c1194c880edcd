// What the diagnosis and the comparison panels share: the webview's options (scripts on, local
// resources only from dist/media and media) and the shell of one page with its script and styles.
import * as vscode from 'vscode';
import { makeNonce, renderWebviewShell } from './webviewHtml';

export interface WebviewPage {
  /** The page's script (dist/media/<name>.js) and stylesheet (media/webview/<name>.css). */
  name: 'diagnosisView' | 'comparisonView';
  title: string;
  loading: string;
  rootTestId: string;
}

export function webviewPanelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** The page's static shell with a fresh nonce. */
export function webviewPageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const asUri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  return renderWebviewShell({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: asUri('dist', 'media', `${page.name}.js`),
    styleUris: [asUri('dist', 'media', 'codicons', 'codicon.css'), asUri('media', 'webview', 'webviewBase.css'), asUri('media', 'webview', `${page.name}.css`)],
    title: page.title,
    loading: page.loading,
    rootTestId: page.rootTestId,
  });
}
