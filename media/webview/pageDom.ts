// DOM helpers both webview pages draw with. Text goes in only as text nodes or attribute values,
// never as HTML, so whatever a server sent stays inert. Status icons and words live here too, so
// the diagnosis and the comparison show a status the same way.
import type { RunOutcome, StepStatus } from '../../src/probe/runModel';

export type Attrs = Record<string, string | undefined>;

/** An element with attributes ('text' sets textContent, 'className' the class) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string | undefined>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** A codicon: hidden from screen readers unless it carries a label of its own. */
export function icon(name: string, label?: string): HTMLElement {
  const span = el('span', { className: `codicon codicon-${name}` });
  if (label) {
    span.setAttribute('role', 'img');
    span.setAttribute('aria-label', label);
  } else {
    span.setAttribute('aria-hidden', 'true');
  }
  return span;
}

export function button(text: string, codicon: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, icon(codicon), el('span', { text }));
  b.addEventListener('click', onClick);
  return b;
}

export const STATUS_ICON: Record<StepStatus | RunOutcome, string> = {
  passed: 'pass',
  failed: 'error',
  warning: 'warning',
  skipped: 'circle-slash',
  cancelled: 'stop-circle',
};

export const STATUS_TEXT: Record<StepStatus | RunOutcome, string> = {
  passed: 'Passed',
  failed: 'Failed',
  warning: 'Passed with warnings',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};
