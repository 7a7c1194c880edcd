// A defensive MS-ASWBXML decoder for bodies from servers we do not control. It never throws:
// every problem comes back as a typed error with the byte offset where decoding stopped. It
// walks the bytes with an explicit stack (no recursion), bounds nesting depth, checks every
// length against the bytes actually left before using it, and builds nothing larger than the
// input, so memory stays proportional to what was received.
import { codePage, FIRST_TAG_TOKEN, tagName } from './codePages';
import { CONTENT_BIT, END, OPAQUE, STR_I, SWITCH_PAGE } from './wbxmlEncoder';
import type { WbxmlElement } from './wbxmlTree';

export type WbxmlErrorCode =
  | 'empty'
  | 'truncated'
  | 'badHeader'
  | 'badInteger'
  | 'unknownPage'
  | 'unknownTag'
  | 'unsupportedToken'
  | 'unexpectedEnd'
  | 'textOutsideElement'
  | 'tooDeep'
  | 'trailingData'
  | 'internal';

export interface WbxmlDecodeError {
  code: WbxmlErrorCode;
  /** Byte offset (from the start of the body) of the token or value that could not be decoded. */
  offset: number;
  message: string;
}

export type WbxmlDecodeResult =
  | { ok: true; root: WbxmlElement }
  | { ok: false; error: WbxmlDecodeError; /** What had been decoded before the error, if a root had started. */ partial?: WbxmlElement };

export interface WbxmlDecodeOptions {
  /**
   * Unknown code pages and tokens: 'error' (default) stops with a typed error; 'name' keeps
   * decoding with placeholder names (Page<n> / UNKNOWN_TAG_0x<tt>), as a client must when a newer
   * server adds tags the probe does not need.
   */
  unknown?: 'error' | 'name';
  /** Deepest nesting accepted. Real ActiveSync bodies stay below 12; the default is 32. */
  maxDepth?: number;
}

const UTF8_MIBENUM = 106;

class DecodeStop extends Error {
  constructor(readonly detail: WbxmlDecodeError) {
    super(detail.message);
  }
}

export function decodeWbxml(input: Uint8Array, options: WbxmlDecodeOptions = {}): WbxmlDecodeResult {
  const lenient = options.unknown === 'name';
  const maxDepth = options.maxDepth ?? 32;
  const bytes = input;
  let pos = 0;
  const stop = (code: WbxmlErrorCode, offset: number, message: string): never => {
    throw new DecodeStop({ code, offset, message });
  };
  const need = (count: number, what: string) => {
    if (pos + count > bytes.length) stop('truncated', bytes.length, `The body ends at byte ${bytes.length} while reading ${what}.`);
  };
  const readInteger = (what: string): number => {
    const start = pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      need(1, what);
      const b = bytes[pos++];
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) stop('badInteger', start, `The ${what} at byte ${start} is larger than 32 bits.`);
        return value;
      }
    }
    return stop('badInteger', start, `The ${what} at byte ${start} runs past 5 bytes.`);
  };

  let root: WbxmlElement | undefined;
  const stack: WbxmlElement[] = [];
  try {
    if (bytes.length === 0) stop('empty', 0, 'The body is empty.');
    // Header: version, public identifier, charset, string table.
    need(1, 'the WBXML version');
    const version = bytes[pos++];
    if (version !== 0x03 && version !== 0x02 && version !== 0x01) stop('badHeader', 0, `Byte 0 is 0x${hex(version)}, not a WBXML version (0x03): this is not a WBXML body.`);
    const publicId = readInteger('public identifier');
    if (publicId === 0) readInteger('public identifier string index');
    const charsetAt = pos;
    const charset = readInteger('character set');
    if (charset !== UTF8_MIBENUM) stop('badHeader', charsetAt, `The body declares character set ${charset}; ActiveSync uses UTF-8 (106).`);
    const tableAt = pos;
    const tableLength = readInteger('string table length');
    if (tableLength > bytes.length - pos) stop('truncated', tableAt, `The string table claims ${tableLength} bytes but only ${bytes.length - pos} remain.`);
    pos += tableLength; // ActiveSync never references a string table (MS-ASWBXML 2.1.3): skip it.

    let page = 0;
    let pageName = codePage(0)?.name ?? 'AirSync';
    const utf8 = new TextDecoder('utf-8');
    while (pos < bytes.length) {
      const at = pos;
      const token = bytes[pos++];
      if (root && stack.length === 0) stop('trailingData', at, `Data continues at byte ${at} after the document's root element closed.`);
      if (token === SWITCH_PAGE) {
        need(1, 'a code page number');
        page = bytes[pos++];
        const known = codePage(page);
        if (!known && !lenient) stop('unknownPage', at, `Code page ${page} at byte ${at} is not one the probe knows.`);
        pageName = known?.name ?? `Page${page}`;
        continue;
      }
      if (token === END) {
        if (stack.length === 0) stop('unexpectedEnd', at, `An END token at byte ${at} closes no element.`);
        stack.pop();
        continue;
      }
      if (token === STR_I || token === OPAQUE) {
        const parent = stack[stack.length - 1];
        if (!parent) stop('textOutsideElement', at, `Text at byte ${at} is outside any element.`);
        if (token === STR_I) {
          const end = bytes.indexOf(0x00, pos);
          if (end < 0) stop('truncated', bytes.length, `The inline string starting at byte ${at} has no terminator before the body ends at byte ${bytes.length}.`);
          parent.children.push({ text: utf8.decode(bytes.subarray(pos, end)) });
          pos = end + 1;
        } else {
          const length = readInteger('opaque data length');
          if (length > bytes.length - pos) stop('truncated', at, `Opaque data at byte ${at} claims ${length} bytes but only ${bytes.length - pos} remain.`);
          parent.children.push({ opaque: bytes.slice(pos, pos + length) });
          pos += length;
        }
        continue;
      }
      const id = token & 0x3f;
      if (id < FIRST_TAG_TOKEN || token & 0x80) {
        stop('unsupportedToken', at, `Token 0x${hex(token)} at byte ${at} is a WBXML feature ActiveSync does not use (attributes, entities, string table references, extensions or processing instructions).`);
      }
      let tag = tagName(page, id);
      if (!tag) {
        if (!lenient) stop('unknownTag', at, `Token 0x${hex(id)} on code page ${page} (${pageName}) at byte ${at} is not a known tag.`);
        tag = `UNKNOWN_TAG_0x${hex(id)}`;
      }
      const element: WbxmlElement = { page: pageName, tag, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else root = element;
      if (token & CONTENT_BIT) {
        if (stack.length >= maxDepth) stop('tooDeep', at, `Elements nest deeper than ${maxDepth} levels at byte ${at}.`);
        stack.push(element);
      }
    }
    if (!root) stop('truncated', bytes.length, `The body ends at byte ${bytes.length} before any element.`);
    if (stack.length > 0) {
      stop('truncated', bytes.length, `The body ends at byte ${bytes.length} with ${stack.length} element(s) still open (innermost: ${stack[stack.length - 1].tag}).`);
    }
    return { ok: true, root: root as WbxmlElement };
  } catch (error) {
    const detail: WbxmlDecodeError =
      error instanceof DecodeStop ? error.detail : { code: 'internal', offset: pos, message: `Decoding stopped at byte ${pos}: ${(error as Error)?.message ?? String(error)}` };
    return root ? { ok: false, error: detail, partial: root } : { ok: false, error: detail };
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}
