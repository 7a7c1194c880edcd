// The batch targets file parser: both line forms, comments, header rows, and an error with the
// right line number for every unusable line (no network involved).
import assert from 'node:assert/strict';
import { MAX_BATCH_TARGETS, parseBatchTargets } from '../../src/probe/batchTargets';

describe('batch targets file', () => {
  it('reads "server user" and "url,user" lines and skips comments and blank lines, keeping line numbers', () => {
    const text = [
      '# servers to check after the certificate renewal',
      '',
      'mail.contoso.com user@contoso.com',
      '  https://mail.fabrikam.com:8443/Microsoft-Server-ActiveSync , FABRIKAM\\jdoe  ',
      'owa.contoso.com   # no user: anonymous checks only',
      '\t[::1]:8443\tlabuser',
    ].join('\r\n');
    const { targets, errors } = parseBatchTargets(text);
    assert.deepEqual(errors, []);
    assert.deepEqual(targets, [
      { line: 3, target: 'mail.contoso.com', userName: 'user@contoso.com' },
      { line: 4, target: 'https://mail.fabrikam.com:8443/Microsoft-Server-ActiveSync', userName: 'FABRIKAM\\jdoe' },
      { line: 5, target: 'owa.contoso.com' },
      { line: 6, target: '[::1]:8443', userName: 'labuser' },
    ]);
  });

  it('skips a CSV header row and a byte-order mark, and treats "url," as no user', () => {
    const { targets, errors } = parseBatchTargets('\ufeffurl,user\nmail.contoso.com,\nmail2.contoso.com,a@contoso.com\n');
    assert.deepEqual(errors, []);
    assert.deepEqual(targets, [
      { line: 2, target: 'mail.contoso.com' },
      { line: 3, target: 'mail2.contoso.com', userName: 'a@contoso.com' },
    ]);
  });

  it('only treats the first content line as a possible header', () => {
    const { targets } = parseBatchTargets('mail.contoso.com\nhost\n');
    assert.deepEqual(targets.map((t) => t.target), ['mail.contoso.com', 'host']);
  });

  it('reports every unusable line with its number and reason, and keeps the good ones out of the way', () => {
    const text = [
      'mail.contoso.com user@contoso.com',
      'mail.contoso.com user@contoso.com Secret123',
      'http://mail.contoso.com',
      'ftp://files.contoso.com',
      ',user@contoso.com',
      'mail.contoso.com CONTOSO\\a\\b',
      'https://mail.contoso.com:99999',
      'mail.contoso.com user@contoso.com',
    ].join('\n');
    const { targets, errors } = parseBatchTargets(text);
    assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5, 6, 7]);
    assert.match(errors[0].message, /3 fields.*Passwords never go in this file/);
    assert.doesNotMatch(errors[0].message, /Secret123/, 'a password typed into the file is not echoed back');
    assert.match(errors[1].message, /http:\/\//);
    assert.match(errors[2].message, /"ftp:" scheme/);
    assert.match(errors[3].message, /server is missing/);
    assert.match(errors[4].message, /DOMAIN\\user/);
    assert.match(errors[5].message, /99999/);
    assert.deepEqual(targets.map((t) => t.line), [1, 8]);
  });

  it('accepts http:// only when plain HTTP is allowed', () => {
    assert.equal(parseBatchTargets('http://mail.contoso.com', { allowHttp: true }).errors.length, 0);
  });

  it('refuses a file with more targets than the limit', () => {
    const text = Array.from({ length: MAX_BATCH_TARGETS + 1 }, (_, i) => `mail${i}.contoso.com`).join('\n');
    const { targets, errors } = parseBatchTargets(text);
    assert.equal(targets.length, MAX_BATCH_TARGETS);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, MAX_BATCH_TARGETS + 1);
  });
});
