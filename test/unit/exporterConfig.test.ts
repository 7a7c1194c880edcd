// The exporter's configuration: YAML or JSON, every mistake reported with its line, secrets only
// from environment variables or owner-only files, and an allow-list that keeps the exporter
// from becoming an open proxy for the test account's credentials.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExporterConfigError, loadExporterConfig, parseExporterConfig } from '../../src/exporter/exporterConfig';
import { parseAllowedTarget, resolveScrapeTarget, type AllowedTarget } from '../../src/exporter/targetAllowList';
import { probeOptionsFor } from '../../src/exporter/probeScheduler';

const ENV = { EAS_MONITOR_PASSWORD: 'S3cret-Passw0rd', TOKEN: 'scrape-token' };

function configError(text: string, env: NodeJS.ProcessEnv = ENV): string {
  try {
    parseExporterConfig(text, 'exporter.yml', env);
  } catch (error) {
    assert.ok(error instanceof ExporterConfigError, `expected a configuration error, got ${(error as Error).stack}`);
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

describe('exporter configuration', () => {
  it('reads the documented JSON shape, with defaults for what it leaves out', () => {
    const config = parseExporterConfig(
      JSON.stringify({
        modules: { 'cas-basic': { user: 'CONTOSO\\eas-monitor', passwordEnv: 'EAS_MONITOR_PASSWORD', auth: 'basic', steps: 'full', timeoutSeconds: 20 } },
        allowedTargets: ['mail.contoso.com', 'cas01.contoso.com:443', 'cas02.contoso.com:8443', 'eas-monitor@contoso.com'],
      }),
      'exporter.json',
      ENV,
    );
    const module = config.modules.get('cas-basic')!;
    assert.equal(module.userName, 'CONTOSO\\eas-monitor');
    assert.equal(module.password, 'S3cret-Passw0rd');
    assert.equal(module.passwordSource, 'environment variable EAS_MONITOR_PASSWORD');
    assert.equal(module.timeoutSeconds, 20);
    assert.equal(module.crossCheck, false, 'no cross-check by default: it would add failed sign-ins at EWS');
    assert.equal(module.minIntervalSeconds, 10);
    assert.equal(module.signInFailureBackoffSeconds, 600);
    assert.deepEqual(config.allowedTargets.map((t) => (t.kind === 'server' ? `${t.host}:${t.port}` : t.address)), ['mail.contoso.com:443', 'cas01.contoso.com:443', 'cas02.contoso.com:8443', 'eas-monitor@contoso.com']);
    assert.equal(config.maxConcurrentProbes, 16);
    assert.equal(config.exporterAuth, undefined);
  });

  it('reads YAML, with a password file that only its owner can read and a bearer token for scrapers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exporter-config-'));
    try {
      const file = join(dir, 'pw');
      writeFileSync(file, 'From-A-File\n');
      chmodSync(file, 0o600);
      const config = parseExporterConfig(`modules:\n  lab:\n    user: labuser@contoso.example\n    passwordFile: ${file}\n    steps: options-only\nallowedTargets: [localhost:8443]\nexporterAuth:\n  bearerTokenEnv: TOKEN\n`, 'exporter.yml', ENV);
      assert.equal(config.modules.get('lab')!.password, 'From-A-File');
      assert.equal(config.modules.get('lab')!.steps, 'options-only');
      assert.deepEqual(config.exporterAuth, { kind: 'bearer', token: 'scrape-token' });
      if (process.platform !== 'win32') {
        chmodSync(file, 0o640);
        assert.match(configError(`modules:\n  lab:\n    user: u\n    passwordFile: ${file}\nallowedTargets: [localhost]\n`), /exporter\.yml line 4: .*readable by its owner only/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the line of each mistake, and lists them all', () => {
    const message = configError(['modules:', '  cas:', '    user: eas', '    passwordEnv: EAS_MONITOR_PASSWORD', '    timeoutSeconds: 0', '    steps: everything', '    pasword: typo', 'allowedTargets:', '  - https://mail.contoso.com/owa'].join('\n'));
    assert.match(message, /line 5: "timeoutSeconds" must be a whole number from 1 to 300/);
    assert.match(message, /line 6: "steps" takes one of options-only, full/);
    assert.match(message, /line 7: unknown setting "pasword"/);
    assert.match(message, /line 9: allowed target "https:\/\/mail\.contoso\.com\/owa" must be a host name or host:port/);
  });

  it('maps steps onto the probe mode (full = through the first Sync, without Ping) and passes the device identity', () => {
    const config = parseExporterConfig(
      ['modules:', '  light:', '    steps: options-only', '  session:', '    steps: full', '    deviceId: MonitorProbe01', '    deviceType: Monitoring', 'allowedTargets: [mail.contoso.com]'].join('\n'),
      'exporter.yml',
      ENV,
    );
    const signal = new AbortController().signal;
    assert.equal(probeOptionsFor(config.modules.get('light')!, 'https://mail.contoso.com/', 5000, signal).mode, 'options');
    const session = probeOptionsFor(config.modules.get('session')!, 'https://mail.contoso.com/', 5000, signal);
    assert.equal(session.mode, 'commands');
    assert.equal(session.deviceId, 'MonitorProbe01');
    assert.equal(session.deviceType, 'Monitoring');
    assert.match(configError(['modules:', '  bad:', '    deviceId: not-valid!', 'allowedTargets: [x]'].join('\n')), /line 3: .*device id "not-valid!" must be 1 to 32 letters and digits/);
  });

  it('autodiscoverUrl: the endpoint an e-mail target asks; a server target is tested as named', () => {
    const config = parseExporterConfig(
      ['modules:', '  m:', '    user: eas-monitor@contoso.com', '    passwordEnv: EAS_MONITOR_PASSWORD', '    autodiscoverUrl: https://cas01.contoso.com/autodiscover/autodiscover.xml', 'allowedTargets: [mail.contoso.com, eas-monitor@contoso.com]'].join('\n'),
      'exporter.yml',
      ENV,
    );
    const module = config.modules.get('m')!;
    const signal = new AbortController().signal;
    assert.equal(probeOptionsFor(module, 'eas-monitor@contoso.com', 5000, signal).autodiscoverUrl, 'https://cas01.contoso.com/autodiscover/autodiscover.xml');
    assert.equal(probeOptionsFor(module, 'https://mail.contoso.com/Microsoft-Server-ActiveSync', 5000, signal).autodiscoverUrl, undefined);
    for (const bad of ['http://cas01.contoso.com/autodiscover/autodiscover.xml', 'https://u:p@cas01.contoso.com/autodiscover/autodiscover.xml', 'cas01.contoso.com']) {
      assert.match(configError(`modules:\n  m:\n    autodiscoverUrl: ${bad}\nallowedTargets: [x]\n`), /line 3: autodiscoverUrl must be an https:\/\/ URL without a user name or password/, bad);
    }
  });

  it('reports a syntax error with its line, for YAML and JSON alike', () => {
    assert.match(configError('modules:\n  a: [1,\nallowedTargets: x\n'), /^exporter\.yml line \d+: /);
    assert.match(configError('{\n  "modules": {"a": {}},\n  "allowedTargets": ["x"\n}'), /^exporter\.yml line \d+: /);
    assert.match(configError('modules:\n  a:\n    user: x\n    user: y\n'), /line 4: Map keys must be unique/);
  });

  it('refuses a password in the configuration text, a missing password source and an unset variable', () => {
    assert.match(configError('modules:\n  a:\n    user: u\n    password: hunter2\nallowedTargets: [h]\n'), /line 4: "password" is not accepted: secrets never go in the configuration text/);
    assert.match(configError('modules:\n  a:\n    user: u\nallowedTargets: [h]\n'), /module "a" names a user but no password source/);
    assert.match(configError('modules:\n  a:\n    user: u\n    passwordEnv: NOT_SET_ANYWHERE\nallowedTargets: [h]\n'), /line 4: the environment variable NOT_SET_ANYWHERE \(passwordEnv\) is not set or empty/);
    assert.match(configError('modules:\n  a:\n    user: u\n    passwordEnv: X\n    passwordFile: /p\nallowedTargets: [h]\n', { X: 'x' }), /give passwordEnv or passwordFile, not both/);
    assert.match(configError('modules:\n  a: {}\nallowedTargets: [h]\nexporterAuth:\n  bearerToken: abc\n'), /line 5: "bearerToken" is not accepted/);
  });

  it('requires modules and a non-empty allow-list', () => {
    assert.match(configError('modules: {}\nallowedTargets: []\n'), /"modules" must map at least one module/);
    assert.match(configError('modules:\n  a: {}\n'), /"allowedTargets" must list at least one host/);
    assert.match(configError('[1, 2]'), /must be a mapping/);
  });
});

describe('exporter target allow-list', () => {
  const allowed = ['mail.contoso.com', 'cas01.contoso.com:8443', '[2001:db8::1]:443', '192.0.2.10'].map((e) => parseAllowedTarget(e) as AllowedTarget);

  it('lets through only allow-listed host and port pairs', () => {
    const ok = (t: string) => resolveScrapeTarget(t, allowed);
    assert.deepEqual(ok('mail.contoso.com'), { ok: true, url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync', host: 'mail.contoso.com', port: 443 });
    assert.equal(ok('MAIL.contoso.com.').ok, true, 'case and a trailing dot do not matter');
    assert.equal(ok('https://mail.contoso.com/Microsoft-Server-ActiveSync').ok, true);
    assert.equal(ok('cas01.contoso.com:8443').ok, true);
    assert.equal(ok('[2001:db8::1]').ok, true);
    assert.equal(ok('192.0.2.10:443').ok, true);
    for (const refused of ['mail.contoso.com:8443', 'cas01.contoso.com', 'evil.example', 'mail.contoso.com.evil.example', '192.0.2.11']) {
      const r = ok(refused);
      assert.equal(r.ok, false, refused);
      assert.match((r as { reason: string }).reason, /not in allowedTargets/);
    }
  });

  it('refuses credentials in the target, plain http, other paths and addresses not listed', () => {
    for (const [target, reason] of [
      ['https://user:pw@mail.contoso.com', /must not carry a user name or password/],
      ['user:pw@mail.contoso.com', /must not carry a user name or password/],
      ['http://mail.contoso.com', /http/i],
      ['https://mail.contoso.com/owa/Microsoft-Server-ActiveSync', /at the root of the server only/],
      ['jdoe@contoso.com', /jdoe@contoso\.com is not in allowedTargets/],
      ['', /target parameter is missing/],
    ] as const) {
      const r = resolveScrapeTarget(target, allowed);
      assert.equal(r.ok, false, target);
      assert.match((r as { reason: string }).reason, reason, target);
    }
  });

  it('lets through an e-mail address listed as a target, whatever its case, and no other address', () => {
    const withAddress = [...allowed, parseAllowedTarget('JDoe@Contoso.com') as AllowedTarget];
    assert.deepEqual(withAddress.at(-1), { kind: 'address', address: 'jdoe@contoso.com', entry: 'JDoe@Contoso.com' });
    assert.deepEqual(resolveScrapeTarget(' jdoe@CONTOSO.com ', withAddress), { ok: true, address: 'jdoe@contoso.com' });
    for (const other of ['jane@contoso.com', 'jdoe@contoso.com.evil.example', 'jdoe@mail.contoso.com']) {
      assert.match((resolveScrapeTarget(other, withAddress) as { reason: string }).reason, /is not in allowedTargets/, other);
    }
    // The address allows Autodiscover for it, not the server of its domain.
    assert.match((resolveScrapeTarget('contoso.com', withAddress) as { reason: string }).reason, /contoso\.com:443 is not in allowedTargets/);
  });

  it('rejects allow-list entries that are not a host or host:port', () => {
    for (const bad of ['https://mail.contoso.com', 'mail.contoso.com/path', 'user:pw@mail.contoso.com', 'user@localhost', 'mail contoso', 'host:99999']) {
      assert.equal(typeof parseAllowedTarget(bad), 'string', bad);
    }
  });
});

describe('exporter configuration files that are not files', () => {
  const loadError = (path: string): string => {
    try {
      loadExporterConfig(path, ENV);
    } catch (error) {
      assert.ok(error instanceof ExporterConfigError, `expected a configuration error, got ${(error as Error).stack}`);
      return error.message;
    }
    assert.fail('the configuration was accepted');
  };

  it('refuses /dev/zero, a directory and a FIFO as the configuration at once, instead of reading forever or blocking', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exporter-config-'));
    try {
      const fifo = join(dir, 'config.fifo');
      execFileSync('mkfifo', [fifo]);
      for (const path of ['/dev/zero', dir, fifo]) assert.match(loadError(path), /is not a file \(a directory, a device or a pipe\)/, path);
      const big = join(dir, 'big.yml');
      writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\n`);
      assert.match(loadError(big), /larger than 1 MiB; that is not an exporter configuration/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a module caFile as --ca does: /dev/zero and a PEM block that is not a certificate are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exporter-ca-'));
    try {
      const garbage = join(dir, 'garbage.pem');
      writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
      for (const [caFile, reason] of [
        ['/dev/zero', /is not a file/],
        [garbage, /holds no certificate Node can parse/],
      ] as const) {
        const message = configError(`modules:\n  m:\n    caFile: ${caFile}\nallowedTargets: [mail.contoso.com]\n`);
        assert.match(message, /exporter\.yml line 3: /);
        assert.match(message, reason);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('monitoring examples', () => {
  const root = join(__dirname, '..', '..', '..');
  const example = (name: string) => readFileSync(join(root, 'examples', 'monitoring', name), 'utf8').trimEnd();

  it('the README shows the example exporter configuration, scrape job and alert rules as they are', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of ['activesync-exporter.yml', 'prometheus.yml', 'activesync-alerts.yml']) {
      assert.ok(readme.includes(`\`\`\`yaml\n${example(name)}\n\`\`\``), `README.md does not show examples/monitoring/${name} verbatim`);
    }
  });

  it('the example exporter configuration is valid apart from its CA file, which is the reader’s own', () => {
    const message = configError(example('activesync-exporter.yml'), { EAS_MONITOR_PASSWORD: 'x' });
    assert.deepEqual(message.split('\n').map((l) => l.replace(/: Cannot read the CA file .*: ENOENT$/, '')), ['exporter.yml line 11']);
  });
});
