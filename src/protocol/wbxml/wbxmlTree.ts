// The document tree the codec reads and writes: elements named by code page and tag, holding
// child elements, inline text or opaque bytes. ActiveSync never uses attributes, entities or
// string tables (MS-ASWBXML 2.1.3), so nothing else is needed.

export interface WbxmlElement {
  /** Code page name, e.g. "FolderHierarchy" (the namespace of the XML form). */
  page: string;
  /** Tag name within the page, e.g. "SyncKey". */
  tag: string;
  children: WbxmlNode[];
}

export type WbxmlNode = WbxmlElement | { text: string } | { opaque: Uint8Array };

export function isElement(node: WbxmlNode): node is WbxmlElement {
  return (node as WbxmlElement).tag !== undefined;
}

/** Builds an element; a string or number becomes its text, an array its children. */
export function el(page: string, tag: string, content?: string | number | Array<WbxmlElement | undefined>): WbxmlElement {
  if (content === undefined) return { page, tag, children: [] };
  if (typeof content === 'string' || typeof content === 'number') return { page, tag, children: [{ text: String(content) }] };
  return { page, tag, children: content.filter((c): c is WbxmlElement => c !== undefined) };
}

/** The element's direct child elements with this tag (any page unless one is given). */
export function childrenNamed(parent: WbxmlElement | undefined, tag: string, page?: string): WbxmlElement[] {
  if (!parent) return [];
  return parent.children.filter((c): c is WbxmlElement => isElement(c) && c.tag === tag && (page === undefined || c.page === page));
}

export function child(parent: WbxmlElement | undefined, tag: string, page?: string): WbxmlElement | undefined {
  return childrenNamed(parent, tag, page)[0];
}

/** Follows a path of tag names through first matches: path(root, 'Changes', 'Count'). */
export function path(root: WbxmlElement | undefined, ...tags: string[]): WbxmlElement | undefined {
  let at = root;
  for (const tag of tags) at = child(at, tag);
  return at;
}

/** The concatenated inline text of an element (opaque data as UTF-8), or undefined when it has none. */
export function textOf(element: WbxmlElement | undefined): string | undefined {
  if (!element) return undefined;
  let out: string | undefined;
  for (const c of element.children) {
    if ('text' in c) out = (out ?? '') + c.text;
    else if ('opaque' in c) out = (out ?? '') + Buffer.from(c.opaque).toString('utf8');
  }
  return out;
}

export function textAt(root: WbxmlElement | undefined, ...tags: string[]): string | undefined {
  return textOf(path(root, ...tags));
}

/**
 * How the XML rendering treats an element: 'keep' as is, 'redact' its text, or 'summarise' its
 * content as a count of child elements (message content is never rendered).
 */
export type RenderRule = (element: WbxmlElement, ancestors: readonly WbxmlElement[]) => 'keep' | 'redact' | 'summarise';

const escapeXml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/**
 * Renders the tree as indented XML text for evidence. Namespaces are written as a prefix on the
 * root and wherever the page changes, e.g. <FolderSync xmlns="FolderHierarchy:">, which is how
 * the specification's examples read.
 */
export function toXml(root: WbxmlElement, rule: RenderRule = () => 'keep', maxChars = 64 * 1024): string {
  const lines: string[] = [];
  let size = 0;
  const visit = (node: WbxmlElement, depth: number, parentPage: string | undefined, ancestors: WbxmlElement[]): boolean => {
    if (size > maxChars) return false;
    const indent = '  '.repeat(depth);
    const ns = node.page !== parentPage ? ` xmlns="${escapeXml(node.page)}:"` : '';
    const decision = rule(node, ancestors);
    let line: string;
    const elements = node.children.filter(isElement);
    if (decision === 'redact') line = `${indent}<${node.tag}${ns}>[redacted]</${node.tag}>`;
    else if (decision === 'summarise') line = `${indent}<${node.tag}${ns}><!-- ${elements.length} propert${elements.length === 1 ? 'y' : 'ies'} withheld --></${node.tag}>`;
    else if (node.children.length === 0) line = `${indent}<${node.tag}${ns}/>`;
    else if (elements.length === 0) {
      const parts = node.children.map((c) => ('text' in c ? escapeXml(c.text) : 'opaque' in c ? `[${c.opaque.length} opaque bytes]` : ''));
      line = `${indent}<${node.tag}${ns}>${parts.join('')}</${node.tag}>`;
    } else {
      lines.push(`${indent}<${node.tag}${ns}>`);
      size += lines[lines.length - 1].length;
      for (const c of node.children) {
        if (isElement(c)) {
          if (!visit(c, depth + 1, node.page, [...ancestors, node])) return false;
        } else {
          lines.push(`${indent}  ${'text' in c ? escapeXml(c.text) : `[${c.opaque.length} opaque bytes]`}`);
        }
      }
      line = `${indent}</${node.tag}>`;
    }
    lines.push(line);
    size += line.length;
    return true;
  };
  if (!visit(root, 0, undefined, [])) lines.push('… (cut short)');
  return lines.join('\n');
}
