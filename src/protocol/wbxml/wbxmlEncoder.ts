// Encodes a document tree as MS-ASWBXML: the 4-byte header (WBXML 1.3, public id 1, UTF-8, no
// string table), then tags with SWITCH_PAGE only where the page changes, STR_I for text and
// OPAQUE for bytes. An element without content is written as its bare token.
import { pageByName, tagToken } from './codePages';
import { isElement, type WbxmlElement } from './wbxmlTree';

export const WBXML_HEADER = [0x03, 0x01, 0x6a, 0x00] as const;
export const SWITCH_PAGE = 0x00;
export const END = 0x01;
export const STR_I = 0x03;
export const OPAQUE = 0xc3;
export const CONTENT_BIT = 0x40;

/** mb_u_int32 (WBXML 1.3 section 5.1): 7 bits a byte, most significant first, 0x80 = more follow. */
export function multiByteInteger(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not a uint32: ${value}`);
  const out = [value & 0x7f];
  let rest = Math.floor(value / 128);
  while (rest > 0) {
    out.unshift((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  return out;
}

/** Encodes our own requests and the lab's answers; a tag missing from the tables is a programming error and throws. */
export function encodeWbxml(root: WbxmlElement): Uint8Array {
  const out: number[] = [...WBXML_HEADER];
  let page = 0;
  const write = (node: WbxmlElement) => {
    const pageInfo = pageByName(node.page);
    const token = tagToken(node.page, node.tag);
    if (!pageInfo || token === undefined) throw new Error(`No WBXML token for ${node.page}:${node.tag}`);
    if (pageInfo.number !== page) {
      out.push(SWITCH_PAGE, pageInfo.number);
      page = pageInfo.number;
    }
    if (node.children.length === 0) {
      out.push(token);
      return;
    }
    out.push(token | CONTENT_BIT);
    for (const c of node.children) {
      if (isElement(c)) write(c);
      else if ('text' in c) {
        // STR_I ends at the first NUL, so a NUL inside the text would cut it short.
        if (c.text.includes('\0')) throw new Error(`Text of ${node.page}:${node.tag} contains a NUL character`);
        out.push(STR_I);
        for (const byte of Buffer.from(c.text, 'utf8')) out.push(byte);
        out.push(0x00);
      } else {
        out.push(OPAQUE, ...multiByteInteger(c.opaque.length));
        for (const byte of c.opaque) out.push(byte);
      }
    }
    out.push(END);
  };
  write(root);
  return Uint8Array.from(out);
}
