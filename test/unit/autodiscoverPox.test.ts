// The mobile Autodiscover wire format: the request a device sends, and every kind of answer real
// servers give (prefixed namespaces, a default namespace, a BOM, the framework's error 600, a
// Redirect, an Action error, CertEnroll beside MobileSync), plus what is not an answer at all.
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { MOBILESYNC_RESPONSE_SCHEMA, mobileSyncRequest, parseAutodiscoverV2, parseMobileSyncAnswer } from '../../src/protocol/autodiscoverPox';

const OUTER = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const EAS = 'https://mail.contoso.com/Microsoft-Server-ActiveSync';

/** The Exchange form: outer default namespace, inner Response in the mobilesync response namespace. */
function exchangeAnswer(action: string, extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="${OUTER}">` +
    `<Response xmlns="${MOBILESYNC_RESPONSE_SCHEMA}"><Culture>en:us</Culture><User><DisplayName>Lab User</DisplayName><EMailAddress>labuser@contoso.com</EMailAddress></User>${extra}<Action>${action}</Action></Response></Autodiscover>`;
}

describe('Autodiscover POX (mobilesync)', () => {
  it('builds the request a device sends, with the address escaped', () => {
    const body = mobileSyncRequest('a&b<c>@contoso.com');
    const doc = new XMLParser({ removeNSPrefix: true }).parse(body);
    assert.equal(doc.Autodiscover.Request.EMailAddress, 'a&b<c>@contoso.com');
    assert.equal(doc.Autodiscover.Request.AcceptableResponseSchema, MOBILESYNC_RESPONSE_SCHEMA);
    assert.match(body, /xmlns="http:\/\/schemas\.microsoft\.com\/exchange\/autodiscover\/mobilesync\/requestschema\/2006"/);
  });

  it('reads the MobileSync URL of an Exchange answer and skips CertEnroll', () => {
    const answer = parseMobileSyncAnswer(exchangeAnswer(`<Settings><Server><Type>CertEnroll</Type><Url>https://ca.contoso.com/</Url><ServerData>EASCert</ServerData></Server><Server><Type>MobileSync</Type><Url>${EAS}</Url><Name>${EAS}</Name></Server></Settings>`));
    assert.deepEqual(answer, { kind: 'settings', url: EAS, name: EAS, displayName: 'Lab User', emailAddress: 'labuser@contoso.com', culture: 'en:us' });
  });

  it('reads prefixed namespaces, a BOM and surrounding whitespace the same way', () => {
    const prefixed = `\uFEFF  \r\n<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns:autodiscover="${MOBILESYNC_RESPONSE_SCHEMA}"><autodiscover:Response><autodiscover:Action><autodiscover:Settings><autodiscover:Server><autodiscover:Type>MobileSync</autodiscover:Type><autodiscover:Url> ${EAS} </autodiscover:Url></autodiscover:Server></autodiscover:Settings></autodiscover:Action></autodiscover:Response></Autodiscover>`;
    assert.deepEqual(parseMobileSyncAnswer(prefixed), { kind: 'settings', url: EAS });
    const noNamespace = `<Autodiscover><Response><Action><Settings><Server><Type>mobilesync</Type><Url>${EAS}</Url></Server></Settings></Action></Response></Autodiscover>`;
    assert.equal((parseMobileSyncAnswer(noNamespace) as { url: string }).url, EAS);
  });

  it('reads a Redirect to another address', () => {
    assert.deepEqual(parseMobileSyncAnswer(exchangeAnswer('<Redirect>labuser@fabrikam.com</Redirect>')), { kind: 'redirect', emailAddress: 'labuser@fabrikam.com' });
  });

  it('reads the framework error 600 (invalid request) and an Action error', () => {
    const framework = `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${OUTER}"><Response><Error Time="10:31:02.4536483" Id="2737011925"><ErrorCode>600</ErrorCode><Message>Invalid Request</Message><DebugData /></Error></Response></Autodiscover>`;
    assert.deepEqual(parseMobileSyncAnswer(framework), { kind: 'error', code: '600', status: undefined, message: 'Invalid Request', debugData: undefined });
    const action = parseMobileSyncAnswer(exchangeAnswer('<Error><Status>2</Status><Message>The directory has no such user.</Message><DebugData>x</DebugData></Error>'));
    assert.deepEqual(action, { kind: 'error', status: '2', message: 'The directory has no such user.', debugData: 'x' });
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['an empty body', '', /empty/],
    ['an HTML page', '<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>', /not well-formed|not an Autodiscover/],
    ['plain text', 'Access denied', /not XML/],
    ['broken XML', '<Autodiscover><Response>', /not well-formed/],
    ['the Outlook schema without MobileSync', `<Autodiscover xmlns="${OUTER}"><Response><Action><Settings><Server><Type>EXCH</Type></Server></Settings></Action></Response></Autodiscover>`, /no MobileSync server \(only EXCH\)/],
    ['a document without Response', `<Autodiscover xmlns="${OUTER}"/>`, /no Response/],
    ['a megabyte of XML', `<Autodiscover>${'<a/>'.repeat(300_000)}</Autodiscover>`, /characters long/],
  ];
  for (const [name, body, reason] of invalid) {
    it(`calls ${name} invalid, with the reason`, () => {
      const answer = parseMobileSyncAnswer(body);
      assert.equal(answer.kind, 'invalid');
      assert.match((answer as { reason: string }).reason, reason);
    });
  }

  it('does not expand entities into memory (billion laughs)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Autodiscover><Response><Action><Redirect>&lol3;</Redirect></Action></Response></Autodiscover>';
    const answer = parseMobileSyncAnswer(bomb);
    if (answer.kind === 'redirect') assert.ok(answer.emailAddress.length < 10_000, `expanded to ${answer.emailAddress.length} characters`);
    else assert.equal(answer.kind, 'invalid');
  });

  it('reads Exchange Online\'s Autodiscover v2 JSON', () => {
    assert.deepEqual(parseAutodiscoverV2('{"Protocol":"ActiveSync","Url":"https://outlook.office365.com/Microsoft-Server-ActiveSync"}'), { kind: 'settings', url: 'https://outlook.office365.com/Microsoft-Server-ActiveSync' });
    assert.equal(parseAutodiscoverV2('<html/>').kind, 'invalid');
    assert.equal(parseAutodiscoverV2('{"Protocol":"Rest","Url":"https://x"}').kind, 'invalid');
    assert.equal(parseAutodiscoverV2('{"ErrorCode":"InternalServerError"}').kind, 'invalid');
  });
});
