// The static HTML shell of the webview pages (diagnosis, comparison): a strict CSP, the stylesheets and the one
// nonce'd script. It never contains server text; the script draws the page from a JSON message
// with DOM APIs. Pure (no vscode import) so its CSP can be checked in plain Node as well.
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../common/textSafety';

export interface WebviewShellInput {
  /** webview.cspSource: the origin VS Code serves local resources from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  /** Stylesheets in order: the codicons, the shared base, then the page's own. */
  styleUris: string[];
  /** Document title, and the line shown until the script draws the page. */
  title: string;
  loading: string;
  /** data-testid of the element the page draws into, one per page so tests tell the pages apart. */
  rootTestId: string;
}

/** A fresh nonce per render, from the OS's CSPRNG (never Math.random). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function renderWebviewShell(input: WebviewShellInput): string {
  const attr = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, input.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${input.styleUris.map((uri) => `  <link href="${attr(uri)}" rel="stylesheet">\n`).join('')}  <title>${attr(input.title)}</title>
</head>
<body>
  <main id="root" aria-busy="true" data-testid="${attr(input.rootTestId)}">
    <p class="placeholder">${attr(input.loading)}</p>
  </main>
  <script nonce="${attr(input.nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}
