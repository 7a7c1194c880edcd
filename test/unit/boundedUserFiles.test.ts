// Files the user names (--ca, a batch targets file, the extraCaFile setting) are read with a size
// cap that holds for devices and FIFOs, whose size stat reports as 0: /dev/zero and an endless FIFO
// must end in a usage error naming the file, not in the process running out of memory. A CA file
// whose PEM blocks are not certificates is refused too.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_USER_FILE_BYTES, readBoundedFile } from '../../src/common/boundedFileRead';
import { readCaPem } from '../../src/probe/extraCaFile';
import { assertNoStackTrace, runCli } from '../hostile/probeHarness';

describe('bounded reads of user files', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'asd-bounded-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a small file whole, and refuses one byte over the cap naming the file', async () => {
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'mail.contoso.com\n');
    assert.equal(await readBoundedFile(small, 'targets file'), 'mail.contoso.com\n');
    const big = join(dir, 'big.txt');
    writeFileSync(big, Buffer.alloc(MAX_USER_FILE_BYTES + 1, 0x61));
    await assert.rejects(readBoundedFile(big, 'targets file'), (e: Error) => e.message.includes(big) && /larger than 4 MiB/.test(e.message));
    const exact = join(dir, 'exact.txt');
    writeFileSync(exact, Buffer.alloc(MAX_USER_FILE_BYTES, 0x61));
    assert.equal((await readBoundedFile(exact, 'targets file')).length, MAX_USER_FILE_BYTES);
  });

  for (const [name, argv] of [
    ['probe --ca /dev/zero', ['probe', 'mail.contoso.com', '--ca', '/dev/zero']],
    ['batch /dev/zero', ['batch', '/dev/zero']],
    ['batch --ca /dev/zero', ['batch', '/dev/null', '--ca', '/dev/zero']],
  ] as const) {
    it(`${name}: exit 2 naming /dev/zero, quickly`, async () => {
      const started = Date.now();
      const result = await runCli([...argv]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /\/dev\/zero is larger than 4 MiB/);
      assertNoStackTrace(result.stderr);
      assert.ok(Date.now() - started < 5000);
    });
  }

  it('an endless FIFO as the batch file: exit 2 naming it', async function () {
    const fifo = join(dir, 'targets.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip();
    const writer = spawn('sh', ['-c', `exec yes mail.contoso.com > '${fifo}'`], { stdio: 'ignore' });
    try {
      const result = await runCli(['batch', fifo]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /targets\.fifo is larger than 4 MiB/);
    } finally {
      writer.kill();
    }
  });

  describe('a --ca file', () => {
    const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    it('whose only PEM block is not a certificate: exit 2 naming the file', async () => {
      const file = join(dir, 'garbage.pem');
      writeFileSync(file, garbage);
      for (const argv of [['probe', 'mail.contoso.com', '--ca', file], ['batch', '/dev/null', '--ca', file]]) {
        const result = await runCli(argv);
        assert.equal(result.code, 2, result.stderr);
        assert.ok(result.stderr.includes(file), result.stderr);
        assert.match(result.stderr, /no certificate/);
      }
    });

    it('readCaPem names a bad block among good ones, and keeps a good file as it is', async () => {
      const { hostileCaPem } = await import('../hostile/hostileServer');
      const good = join(dir, 'good.pem');
      writeFileSync(good, hostileCaPem());
      assert.equal(await readCaPem(good), hostileCaPem());
      const mixed = join(dir, 'mixed.pem');
      writeFileSync(mixed, hostileCaPem() + garbage);
      await assert.rejects(readCaPem(mixed), /certificate 2 .*not a valid certificate/);
    });
  });
});
