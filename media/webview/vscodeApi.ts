// The one handle a webview page has on VS Code, typed by what the page sends and what it keeps.
// VS Code allows acquireVsCodeApi() once per page: each page calls this once, at load.
export interface VsCodeApi<ToHost, State> {
  postMessage(message: ToHost): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): unknown;

export function vscodeApi<ToHost, State>(): VsCodeApi<ToHost, State> {
  return acquireVsCodeApi() as VsCodeApi<ToHost, State>;
}

/** The element the extension's shell gives each page to draw into. */
export function pageRoot(): HTMLElement {
  return document.getElementById('root') as HTMLElement;
}
