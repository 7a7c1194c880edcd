// The WBXML codec: byte-exact encodings of known requests and responses, the specification's
// example, decoding errors with their offsets, and fuzzing (random and mutated bodies) to show the
// decoder never throws, never hangs and never builds more than the input.
import assert from 'node:assert/strict';
import { CODE_PAGES, codePage, tagToken } from '../../src/protocol/wbxml/codePages';
import { decodeWbxml } from '../../src/protocol/wbxml/wbxmlDecoder';
import { encodeWbxml, multiByteInteger } from '../../src/protocol/wbxml/wbxmlEncoder';
import { el, textAt, toXml, type WbxmlElement } from '../../src/protocol/wbxml/wbxmlTree';

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const ascii = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
const toHex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

function decodeOk(bytes: Uint8Array): WbxmlElement {
  const result = decodeWbxml(bytes);
  if (!result.ok) assert.fail(`decode failed: ${result.error.code} at ${result.error.offset}: ${result.error.message}`);
  return result.root;
}

/** A small deterministic generator so a failing fuzz case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('WBXML codec', () => {
  describe('code pages', () => {
    it('has the pages the probe needs, with tokens from MS-ASWBXML', () => {
      for (const n of [0, 2, 6, 7, 13, 14, 17, 18]) assert.ok(codePage(n), `page ${n}`);
      assert.equal(tagToken('AirSync', 'Sync'), 0x05);
      assert.equal(tagToken('AirSync', 'HeartbeatInterval'), 0x29);
      assert.equal(tagToken('Email', 'Subject'), 0x14);
      assert.equal(tagToken('Email', 'DisallowNewTimeProposal'), 0x3f);
      assert.equal(tagToken('GetItemEstimate', 'Status'), 0x0e);
      assert.equal(tagToken('FolderHierarchy', 'Count'), 0x17);
      assert.equal(tagToken('Ping', 'MaxFolders'), 0x0d);
      assert.equal(tagToken('Provision', 'AccountOnlyRemoteWipe'), 0x3b);
      assert.equal(tagToken('AirSyncBase', 'Body'), 0x0a);
      assert.equal(tagToken('AirSyncBase', 'Status'), 0x1b);
      assert.equal(tagToken('Settings', 'RightsManagementInformation'), 0x2b);
      assert.equal(tagToken('AirSyncBase', ''), undefined, 'reserved tokens have no name');
    });
  });

  describe('byte-exact encodings', () => {
    it('FolderSync with SyncKey 0 is 03 01 6a 00 00 07 56 52 03 30 00 01 01', () => {
      const bytes = encodeWbxml(el('FolderHierarchy', 'FolderSync', [el('FolderHierarchy', 'SyncKey', '0')]));
      assert.equal(toHex(bytes), '03 01 6a 00 00 07 56 52 03 30 00 01 01');
    });
    it('a FolderSync answered with Status 142 is the 15 bytes of the MS-ASPROV example', () => {
      const bytes = encodeWbxml(el('FolderHierarchy', 'FolderSync', [el('FolderHierarchy', 'Status', '142')]));
      assert.equal(toHex(bytes), '03 01 6a 00 00 07 56 4c 03 31 34 32 00 01 01');
      assert.equal(bytes.length, 15);
    });
    it('the initial Provision request', () => {
      const bytes = encodeWbxml(el('Provision', 'Provision', [el('Provision', 'Policies', [el('Provision', 'Policy', [el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML')])])]));
      assert.equal(toHex(bytes), `03 01 6a 00 00 0e 45 46 47 48 03 ${ascii('MS-EAS-Provisioning-WBXML')} 00 01 01 01 01`);
      assert.equal(bytes.length, 41);
    });
    it('Sync with SyncKey 0 for collection 5 needs no page switch', () => {
      const bytes = encodeWbxml(el('AirSync', 'Sync', [el('AirSync', 'Collections', [el('AirSync', 'Collection', [el('AirSync', 'SyncKey', '0'), el('AirSync', 'CollectionId', '5')])])]));
      assert.equal(toHex(bytes), '03 01 6a 00 45 5c 4f 4b 03 30 00 01 52 03 35 00 01 01 01 01');
    });
    it('Ping with a heartbeat of 480 s on folder 5', () => {
      const bytes = encodeWbxml(
        el('Ping', 'Ping', [el('Ping', 'HeartbeatInterval', '480'), el('Ping', 'Folders', [el('Ping', 'Folder', [el('Ping', 'Id', '5'), el('Ping', 'Class', 'Email')])])]),
      );
      assert.equal(toHex(bytes), `03 01 6a 00 00 0d 45 48 03 34 38 30 00 01 49 4a 4b 03 35 00 01 4c 03 ${ascii('Email')} 00 01 01 01 01`);
    });
    it('an empty element is the bare token; GetChanges in a Sync', () => {
      const bytes = encodeWbxml(el('AirSync', 'Collection', [el('AirSync', 'GetChanges')]));
      assert.equal(toHex(bytes), '03 01 6a 00 4f 13 01');
    });
    it('multi-byte integers: 0, 127, 128, 0xA0 and the largest uint32', () => {
      assert.deepEqual(multiByteInteger(0), [0x00]);
      assert.deepEqual(multiByteInteger(127), [0x7f]);
      assert.deepEqual(multiByteInteger(128), [0x81, 0x00]);
      assert.deepEqual(multiByteInteger(0xa0), [0x81, 0x20]);
      assert.deepEqual(multiByteInteger(0xffffffff), [0x8f, 0xff, 0xff, 0xff, 0x7f]);
    });
  });

  describe('the specification example (MS-ASWBXML section 4)', () => {
    // The published bytes of a Sync response adding a contact, as far as the page prints them in one line.
    const published =
      '03 01 6A 00 45 5C 4F 50 03 43 6F 6E 74 61 63 74 73 00 01 4B 03 32 00 01 52 03 32 00 01 4E 03 31 00 01 56 47 4D 03 32 3A 31 00 01 5D 00 11 4A 46 03 31 00 01 4C 03 30 00 01 4D 03 31 00 01 01 00 01 5E 03 46 75 6E 6B';
    const example = el('AirSync', 'Sync', [
      el('AirSync', 'Collections', [
        el('AirSync', 'Collection', [
          el('AirSync', 'Class', 'Contacts'),
          el('AirSync', 'SyncKey', '2'),
          el('AirSync', 'CollectionId', '2'),
          el('AirSync', 'Status', '1'),
          el('AirSync', 'Commands', [
            el('AirSync', 'Add', [
              el('AirSync', 'ServerId', '2:1'),
              el('AirSync', 'ApplicationData', [
                el('AirSyncBase', 'Body', [el('AirSyncBase', 'Type', '1'), el('AirSyncBase', 'EstimatedDataSize', '0'), el('AirSyncBase', 'Truncated', '1')]),
                el('Contacts', 'FileAs', 'Funk, Don'),
                el('Contacts', 'FirstName', 'Don'),
                el('Contacts', 'LastName', 'Funk'),
                el('AirSyncBase', 'NativeBodyType', '1'),
              ]),
            ]),
          ]),
        ]),
      ]),
    ]);
    it('encodes to the published bytes', () => {
      const bytes = encodeWbxml(example);
      assert.equal(toHex(bytes.subarray(0, hex(published).length)), toHex(hex(published)));
    });
    it('decodes back to the same tree and renders readable XML', () => {
      const root = decodeOk(encodeWbxml(example));
      assert.deepEqual(root, example);
      assert.equal(textAt(root, 'Collections', 'Collection', 'Status'), '1');
      const xml = toXml(root);
      assert.match(xml, /<Sync xmlns="AirSync:">/);
      assert.match(xml, /<FileAs xmlns="Contacts:">Funk, Don<\/FileAs>/);
    });
    it('accepts an empty element written with the content bit and an immediate END', () => {
      const root = decodeOk(hex('03 01 6a 00 4f 53 01 01'));
      assert.deepEqual(root, el('AirSync', 'Collection', [el('AirSync', 'GetChanges')]));
    });
    it('keeps opaque data as bytes', () => {
      const tree: WbxmlElement = { page: 'AirSyncBase', tag: 'Data', children: [{ opaque: Uint8Array.from([0, 1, 2, 255]) }] };
      const bytes = encodeWbxml(tree);
      assert.equal(toHex(bytes), '03 01 6a 00 00 11 4b c3 04 00 01 02 ff 01');
      assert.deepEqual(decodeOk(bytes), tree);
    });
  });

  describe('decoding errors carry a type and an offset', () => {
    const cases: Array<[string, string, string, number]> = [
      ['empty body', '', 'empty', 0],
      ['HTML instead of WBXML', ascii('<html>'), 'badHeader', 0],
      ['another charset', '03 01 04 00 45 01', 'badHeader', 2],
      ['header only', '03 01 6a 00', 'truncated', 4],
      ['cut inside a string', '03 01 6a 00 00 07 56 52 03 30', 'truncated', 10],
      ['cut before the last END', '03 01 6a 00 00 07 56 52 03 30 00 01', 'truncated', 12],
      ['opaque length larger than the body', '03 01 6a 00 45 c3 8f ff ff ff 7f 00', 'truncated', 5],
      ['string table larger than the body', '03 01 6a 8f ff ff ff 7f 45 01', 'truncated', 3],
      ['integer longer than 5 bytes', '03 01 6a 00 45 c3 ff ff ff ff ff ff 01', 'badInteger', 6],
      ['unknown code page', '03 01 6a 00 00 63 45 01', 'unknownPage', 4],
      ['unknown token', '03 01 6a 00 00 07 7f 01', 'unknownTag', 6],
      ['attributes', '03 01 6a 00 c5 01 01', 'unsupportedToken', 4],
      ['entity', '03 01 6a 00 45 02 41 01', 'unsupportedToken', 5],
      ['END with nothing open', '03 01 6a 00 01', 'unexpectedEnd', 4],
      ['text before the root', '03 01 6a 00 03 41 00', 'textOutsideElement', 4],
      ['a second root', '03 01 6a 00 05 05', 'trailingData', 5],
    ];
    for (const [name, bytes, code, offset] of cases) {
      it(`${name} → ${code} at ${offset}`, () => {
        const result = decodeWbxml(hex(bytes || '00').subarray(0, bytes ? undefined : 0));
        assert.equal(result.ok, false);
        if (result.ok) return;
        assert.equal(result.error.code, code, result.error.message);
        assert.equal(result.error.offset, offset, result.error.message);
        assert.ok(result.error.message.length > 10);
      });
    }
    it('deep nesting stops at the limit instead of growing the stack', () => {
      const bytes = new Uint8Array(4 + 100_000).fill(0x45);
      bytes.set([0x03, 0x01, 0x6a, 0x00]);
      const result = decodeWbxml(bytes);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.error.code, 'tooDeep');
        assert.equal(result.error.offset, 4 + 32);
      }
    });
    it('lenient mode names unknown pages and tokens instead of failing', () => {
      const result = decodeWbxml(hex('03 01 6a 00 45 5c 00 63 45 01 00 07 7f 01 01 01'), { unknown: 'name' });
      assert.ok(result.ok);
      if (result.ok) assert.match(toXml(result.root), /<Sync xmlns="AirSync:">[\s\S]*<UNKNOWN_TAG_0x05 xmlns="Page99:"\/>[\s\S]*<UNKNOWN_TAG_0x3F xmlns="FolderHierarchy:"\/>/);
    });
    it('keeps the partial tree for evidence when a body is cut short', () => {
      const result = decodeWbxml(hex('03 01 6a 00 00 07 56 4c 03 31 00 01 52'));
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(textAt(result.partial, 'Status'), '1');
    });
  });

  describe('rendering for evidence', () => {
    it('redacts and summarises what the rule says, and escapes text', () => {
      const tree = el('AirSync', 'Sync', [
        el('Provision', 'PolicyKey', '1234567890'),
        el('AirSync', 'ApplicationData', [el('Email', 'Subject', 'secret'), el('Email', 'From', '<a@b>')]),
        el('Email', 'To', '<x&y>'),
      ]);
      const xml = toXml(tree, (e) => (e.tag === 'PolicyKey' ? 'redact' : e.tag === 'ApplicationData' ? 'summarise' : 'keep'));
      assert.doesNotMatch(xml, /1234567890|secret/);
      assert.match(xml, /<PolicyKey xmlns="Provision:">\[redacted\]<\/PolicyKey>/);
      assert.match(xml, /2 properties withheld/);
      assert.match(xml, /&lt;x&amp;y&gt;/);
    });
  });

  describe('fuzzing', () => {
    const seeds: Uint8Array[] = [
      encodeWbxml(el('FolderHierarchy', 'FolderSync', [el('FolderHierarchy', 'SyncKey', '0')])),
      encodeWbxml(
        el('FolderHierarchy', 'FolderSync', [
          el('FolderHierarchy', 'Status', '1'),
          el('FolderHierarchy', 'SyncKey', '1'),
          el('FolderHierarchy', 'Changes', [el('FolderHierarchy', 'Count', '1'), el('FolderHierarchy', 'Add', [el('FolderHierarchy', 'ServerId', '5'), el('FolderHierarchy', 'ParentId', '0'), el('FolderHierarchy', 'DisplayName', 'Inbox'), el('FolderHierarchy', 'Type', '2')])]),
        ]),
      ),
      Uint8Array.from([...encodeWbxml({ page: 'AirSyncBase', tag: 'Data', children: [{ opaque: Uint8Array.from([1, 2, 3, 4, 5, 6]) }] })]),
    ];
    const check = (bytes: Uint8Array) => {
      let result;
      try {
        result = decodeWbxml(bytes);
      } catch (error) {
        assert.fail(`decodeWbxml threw on ${toHex(bytes)}: ${(error as Error).message}`);
      }
      if (result.ok) {
        // A decoded body re-encodes (when every name is known) and is never bigger than its input allows.
        assert.ok(JSON.stringify(result.root).length < 64 * bytes.length + 256);
      } else {
        assert.ok(result.error.offset >= 0 && result.error.offset <= bytes.length, `offset ${result.error.offset} of ${bytes.length}`);
      }
      const lenient = decodeWbxml(bytes, { unknown: 'name' });
      if (lenient.ok) assert.doesNotThrow(() => toXml(lenient.root));
    };

    it('5000 random bodies (with a valid header half the time) never throw', () => {
      const next = rng(13);
      for (let i = 0; i < 5000; i++) {
        const length = Math.floor(next() * 64);
        const bytes = new Uint8Array(length + 4);
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
        if (next() < 0.5) bytes.set([0x03, 0x01, 0x6a, 0x00]);
        check(bytes);
      }
    });
    it('5000 mutations of real bodies (flips, cuts, insertions) never throw', () => {
      const next = rng(42);
      for (let i = 0; i < 5000; i++) {
        const seed = seeds[i % seeds.length];
        const bytes = [...seed];
        const edits = 1 + Math.floor(next() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(next() * bytes.length);
          const kind = next();
          if (kind < 0.4) bytes[at] = Math.floor(next() * 256);
          else if (kind < 0.6) bytes.splice(at);
          else if (kind < 0.8) bytes.splice(at, 0, Math.floor(next() * 256));
          else bytes.splice(at, 1);
        }
        check(Uint8Array.from(bytes));
      }
    });
    it('every truncation of every seed reports truncated at or before the cut', () => {
      for (const seed of seeds) {
        for (let cut = 5; cut < seed.length; cut++) {
          const result = decodeWbxml(seed.subarray(0, cut));
          assert.equal(result.ok, false, `cut at ${cut}`);
          if (!result.ok) assert.ok(result.error.offset <= cut);
        }
      }
    });
    it('round trips 2000 random trees built from the tables', () => {
      const next = rng(7);
      const pages = [...CODE_PAGES];
      const randomTree = (depth: number): WbxmlElement => {
        const page = pages[Math.floor(next() * pages.length)];
        const names = page.tags.filter(Boolean);
        const tag = names[Math.floor(next() * names.length)];
        const r = next();
        if (depth > 4 || r < 0.3) return el(page.name, tag, Math.floor(next() * 1e6).toString(36) + 'é');
        if (r < 0.4) return el(page.name, tag);
        if (r < 0.45) return { page: page.name, tag, children: [{ opaque: Uint8Array.from([0, 200, 3]) }] };
        return el(page.name, tag, Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomTree(depth + 1)));
      };
      for (let i = 0; i < 2000; i++) {
        const tree = randomTree(0);
        assert.deepEqual(decodeOk(encodeWbxml(tree)), tree);
      }
    });
  });
});
