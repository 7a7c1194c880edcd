// Everything a server sends is untrusted text. These helpers make it safe for each place it is
// shown: Markdown (reports, tooltips), HTML (never built from strings in the webview, but the
// extension's static HTML shell uses it) and a terminal (no escape sequences reach the admin's tty).

/** Escape text so Markdown renders it literally: no links, images, emphasis, code spans or raw HTML. */
export function escapeMarkdown(text: string): string {
  return stripControlCharacters(text)
    .replace(/[\\`*_{}\[\]()#+\-.!|<>~&"'=:]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** Text for inside a fenced code block: the fence can't be closed early because we pick a longer one. */
export function fenceFor(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(longest + 1);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Remove C0/C1 control characters (ESC, BEL, CSI …) except tab and newline, and lone surrogates. */
export function stripControlCharacters(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '') // bidi overrides that could disguise text
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** One line for a terminal: controls made visible, newlines folded. */
export function terminalSafe(text: string): string {
  return stripControlCharacters(text).replace(/[\r\n\t]+/g, ' ');
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls (CSI 0x9b…) and bidi overrides
 * raw; a terminal may act on them when the JSON is printed rather than piped. They can only occur
 * inside strings, so escaping them as \uXXXX keeps the same JSON value.
 */
export function terminalInertJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
