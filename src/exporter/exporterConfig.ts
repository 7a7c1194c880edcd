// The exporter's configuration file (YAML, or JSON, which the same parser reads): probe modules
// and the targets a scraper may name. Every mistake is reported with its line, and secrets are
// resolved here, once, from environment variables or owner-only files: a password never sits in
// the configuration text, and nothing in a scrape's URL can supply one.
import { readRegularFileSync } from '../common/boundedFileRead';
import { validateCaPem } from '../probe/extraCaFile';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { readOwnerOnlySecret } from '../common/secretFile';
import { DEFAULT_DEVICE_ID, DEFAULT_DEVICE_TYPE, deviceIdentityProblem } from '../probe/eas/deviceIdentity';
import { AUTH_METHODS, type AuthMethod } from '../probe/runModel';
import { parseAllowedTarget, type AllowedTarget } from './targetAllowList';
import { isHttpsEndpoint } from '../protocol/autodiscoverPlaces';
import { removeUserInfo } from '../probe/urlUserInfo';

/** Which steps a module runs: OPTIONS only, or on through Provision, FolderSync and a read-only Sync (no Ping, which waits a heartbeat). */
export type ModuleSteps = 'options-only' | 'full';

export interface ExporterModule {
  name: string;
  userName?: string;
  /** Resolved at load time; held in memory only. */
  password?: string;
  /** Where the password came from, for the status page ("environment variable X"), never the value. */
  passwordSource?: string;
  auth: AuthMethod;
  domain?: string;
  steps: ModuleSteps;
  /** The device the full session presents, so Allow/Block/Quarantine rules can name it. */
  deviceId?: string;
  deviceType?: string;
  timeoutSeconds: number;
  caFile?: string;
  caPem?: string;
  crossCheck: boolean;
  /** A target is probed at most once per this many seconds; scrapes in between get the last result. */
  minIntervalSeconds: number;
  /** After a refused sign-in, wait this long before signing in at that target again (account lockout). */
  signInFailureBackoffSeconds: number;
  /** For e-mail targets: the Autodiscover endpoint to ask instead of the places devices look. */
  autodiscoverUrl?: string;
}

export type ExporterAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; userName: string; password: string };

export interface ExporterConfig {
  modules: Map<string, ExporterModule>;
  allowedTargets: AllowedTarget[];
  /** Probes running at once; further scrapes wait their turn within their own timeout. */
  maxConcurrentProbes: number;
  /** Scrapes allowed to wait for a slot; beyond that the exporter answers 503 at once. */
  maxQueuedProbes: number;
  /** Optional authentication the scraper must present to the exporter itself. */
  exporterAuth?: ExporterAuth;
}

export class ExporterConfigError extends Error {}

const MAX_CONFIG_BYTES = 1024 * 1024;
const STEPS: ModuleSteps[] = ['options-only', 'full'];
const MODULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const MODULE_KEYS = new Set(['user', 'passwordEnv', 'passwordFile', 'auth', 'domain', 'steps', 'deviceId', 'deviceType', 'timeoutSeconds', 'caFile', 'crossCheck', 'minIntervalSeconds', 'signInFailureBackoffSeconds', 'autodiscoverUrl']);
const TOP_KEYS = new Set(['modules', 'allowedTargets', 'maxConcurrentProbes', 'maxQueuedProbes', 'exporterAuth']);
const AUTH_KEYS = new Set(['bearerTokenEnv', 'bearerTokenFile', 'basicUser', 'basicPasswordEnv', 'basicPasswordFile']);

export const MODULE_DEFAULTS = {
  auth: 'basic' as AuthMethod,
  steps: 'full' as ModuleSteps,
  timeoutSeconds: 20,
  crossCheck: false,
  minIntervalSeconds: 10,
  signInFailureBackoffSeconds: 600,
};

export function loadExporterConfig(path: string, env: NodeJS.ProcessEnv = process.env): ExporterConfig {
  let text: string;
  try {
    text = readRegularFileSync(path, 'configuration file', MAX_CONFIG_BYTES, 'that is not an exporter configuration');
  } catch (error) {
    throw new ExporterConfigError((error as Error).message);
  }
  return parseExporterConfig(text, path, env);
}

/** Parses and validates; `source` names the file in messages. Throws ExporterConfigError listing every problem found. */
export function parseExporterConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): ExporterConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const problems: string[] = [];
  const lineOf = (node: Node | Pair | null | undefined): string => {
    const offset = (node as Node | undefined)?.range?.[0] ?? ((node as Pair | undefined)?.key as Node | undefined)?.range?.[0];
    return offset === undefined ? source : `${source} line ${lines.linePos(offset).line}`;
  };
  for (const error of doc.errors) {
    const line = lines.linePos(error.pos[0]).line;
    problems.push(`${source} line ${line}: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  if (problems.length) throw new ExporterConfigError(problems.join('\n'));

  const root = doc.contents;
  if (!isMap(root)) throw new ExporterConfigError(`${source}: the configuration must be a mapping with "modules" and "allowedTargets".`);
  const problem = (node: Node | Pair | null | undefined, message: string) => problems.push(`${lineOf(node)}: ${message}`);

  checkKeys(root, TOP_KEYS, 'top level', problem);
  const modules = new Map<string, ExporterModule>();
  const modulesNode = root.get('modules', true);
  if (!isMap(modulesNode) || modulesNode.items.length === 0) {
    problem(modulesNode ?? root, '"modules" must map at least one module name to its settings.');
  } else {
    for (const pair of modulesNode.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!MODULE_NAME.test(name)) {
        problem(pair, `module name "${name.slice(0, 40)}" may use letters, digits, "_", "-" and "." only (at most 64).`);
        continue;
      }
      const module = readModule(name, pair.value as Node | null, env, problem);
      if (module) modules.set(name, module);
    }
  }

  const allowedTargets: AllowedTarget[] = [];
  const targetsNode = root.get('allowedTargets', true);
  if (!isSeq(targetsNode) || targetsNode.items.length === 0) {
    problem(targetsNode ?? root, '"allowedTargets" must list at least one host, host:port or e-mail address the exporter may probe (it is not an open proxy).');
  } else {
    for (const item of targetsNode.items) {
      const value = isScalar(item) ? item.value : undefined;
      if (typeof value !== 'string') {
        problem(item as Node, 'each allowed target is a host name, host:port or e-mail address in quotes or plain text.');
        continue;
      }
      const parsed = parseAllowedTarget(value);
      if (typeof parsed === 'string') problem(item as Node, parsed);
      else allowedTargets.push(parsed);
    }
  }

  const maxConcurrentProbes = readInteger(root, 'maxConcurrentProbes', 1, 256, 16, problem);
  const maxQueuedProbes = readInteger(root, 'maxQueuedProbes', 0, 10_000, 4 * maxConcurrentProbes, problem);
  const exporterAuth = readExporterAuth(root.get('exporterAuth', true) as Node | undefined, env, problem);

  if (problems.length) throw new ExporterConfigError(problems.join('\n'));
  return { modules, allowedTargets, maxConcurrentProbes, maxQueuedProbes, exporterAuth };
}

type Problem = (node: Node | Pair | null | undefined, message: string) => void;

function checkKeys(map: YAMLMap, allowed: Set<string>, where: string, problem: Problem): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'password' || key === 'basicPassword' || key === 'bearerToken') {
      problem(pair, `"${key}" is not accepted: secrets never go in the configuration text. Use an environment variable (…Env) or an owner-only file (…File).`);
    } else if (!allowed.has(key)) {
      problem(pair, `unknown setting "${key.slice(0, 40)}" at the ${where}; known: ${[...allowed].join(', ')}.`);
    }
  }
}

function readModule(name: string, node: Node | null, env: NodeJS.ProcessEnv, problem: Problem): ExporterModule | undefined {
  if (!isMap(node)) {
    problem(node, `module "${name}" must be a mapping of settings.`);
    return undefined;
  }
  checkKeys(node, MODULE_KEYS, `module "${name}"`, problem);
  const module: ExporterModule = {
    name,
    auth: readChoice(node, 'auth', [...AUTH_METHODS], MODULE_DEFAULTS.auth, problem),
    steps: readChoice(node, 'steps', STEPS, MODULE_DEFAULTS.steps, problem),
    timeoutSeconds: readInteger(node, 'timeoutSeconds', 1, 300, MODULE_DEFAULTS.timeoutSeconds, problem),
    crossCheck: readBoolean(node, 'crossCheck', MODULE_DEFAULTS.crossCheck, problem),
    minIntervalSeconds: readInteger(node, 'minIntervalSeconds', 0, 86_400, MODULE_DEFAULTS.minIntervalSeconds, problem),
    signInFailureBackoffSeconds: readInteger(node, 'signInFailureBackoffSeconds', 0, 86_400, MODULE_DEFAULTS.signInFailureBackoffSeconds, problem),
  };
  const deviceId = readString(node, 'deviceId', problem);
  const deviceType = readString(node, 'deviceType', problem);
  if (deviceId !== undefined || deviceType !== undefined) {
    const identityProblem = deviceIdentityProblem(deviceId ?? DEFAULT_DEVICE_ID, deviceType ?? DEFAULT_DEVICE_TYPE);
    if (identityProblem) problem(node.get(deviceId !== undefined ? 'deviceId' : 'deviceType', true) as Node, identityProblem);
    else {
      if (deviceId !== undefined) module.deviceId = deviceId;
      if (deviceType !== undefined) module.deviceType = deviceType;
    }
  }
  const user = readString(node, 'user', problem);
  const domain = readString(node, 'domain', problem);
  if (domain !== undefined) module.domain = domain;
  const secret = readSecret(node, 'passwordEnv', 'passwordFile', env, problem);
  if (user !== undefined) {
    module.userName = user;
    if (!secret) problem(node, `module "${name}" names a user but no password source: add passwordEnv (a variable name) or passwordFile (an owner-only file).`);
    else {
      module.password = secret.value;
      module.passwordSource = secret.source;
    }
  } else if (secret) {
    problem(node, `module "${name}" has a password source but no "user".`);
  }
  const autodiscoverUrl = readString(node, 'autodiscoverUrl', problem);
  if (autodiscoverUrl !== undefined) {
    if (isHttpsEndpoint(autodiscoverUrl) && !removeUserInfo(autodiscoverUrl.trim()).had) module.autodiscoverUrl = autodiscoverUrl.trim();
    else problem(node.get('autodiscoverUrl', true) as Node, 'autodiscoverUrl must be an https:// URL without a user name or password, e.g. https://autodiscover.contoso.com/autodiscover/autodiscover.xml.');
  }
  const caFile = readString(node, 'caFile', problem);
  if (caFile !== undefined) {
    module.caFile = caFile;
    try {
      // The same checks as --ca: the size cap, a regular file, and every PEM block a certificate.
      module.caPem = validateCaPem(readRegularFileSync(caFile, 'CA file'), caFile);
    } catch (error) {
      problem(node.get('caFile', true) as Node, (error as Error).message);
    }
  }
  return module;
}

function readExporterAuth(node: Node | undefined, env: NodeJS.ProcessEnv, problem: Problem): ExporterAuth | undefined {
  if (node === undefined) return undefined;
  if (!isMap(node)) {
    problem(node, '"exporterAuth" must be a mapping: bearerTokenEnv/bearerTokenFile, or basicUser with basicPasswordEnv/basicPasswordFile.');
    return undefined;
  }
  checkKeys(node, AUTH_KEYS, 'exporterAuth', problem);
  const token = readSecret(node, 'bearerTokenEnv', 'bearerTokenFile', env, problem);
  const basicUser = readString(node, 'basicUser', problem);
  const basicPassword = readSecret(node, 'basicPasswordEnv', 'basicPasswordFile', env, problem);
  if (token && (basicUser !== undefined || basicPassword)) {
    problem(node, '"exporterAuth" takes a bearer token or basic authentication, not both.');
    return undefined;
  }
  if (token) return { kind: 'bearer', token: token.value };
  if (basicUser !== undefined && basicPassword) return { kind: 'basic', userName: basicUser, password: basicPassword.value };
  problem(node, '"exporterAuth" needs bearerTokenEnv or bearerTokenFile, or basicUser together with basicPasswordEnv or basicPasswordFile.');
  return undefined;
}

function readSecret(map: YAMLMap, envKey: string, fileKey: string, env: NodeJS.ProcessEnv, problem: Problem): { value: string; source: string } | undefined {
  const envName = readString(map, envKey, problem);
  const file = readString(map, fileKey, problem);
  if (envName !== undefined && file !== undefined) {
    problem(map.get(fileKey, true) as Node, `give ${envKey} or ${fileKey}, not both.`);
    return undefined;
  }
  if (envName !== undefined) {
    if (!ENV_NAME.test(envName)) {
      problem(map.get(envKey, true) as Node, `${envKey} takes the name of an environment variable (letters, digits, _), not "${envName.slice(0, 20)}…".`);
      return undefined;
    }
    const value = env[envName];
    if (!value) {
      problem(map.get(envKey, true) as Node, `the environment variable ${envName} (${envKey}) is not set or empty.`);
      return undefined;
    }
    return { value, source: `environment variable ${envName}` };
  }
  if (file !== undefined) {
    try {
      return { value: readOwnerOnlySecret(file), source: `file ${file}` };
    } catch (error) {
      problem(map.get(fileKey, true) as Node, (error as Error).message);
    }
  }
  return undefined;
}

function readString(map: YAMLMap, key: string, problem: Problem): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== 'string' || !value.trim()) {
    problem(node, `"${key}" must be a non-empty text value.`);
    return undefined;
  }
  return value.trim();
}

function readInteger(map: YAMLMap, key: string, min: number, max: number, fallback: number, problem: Problem): number {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return fallback;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problem(node, `"${key}" must be a whole number from ${min} to ${max}.`);
    return fallback;
  }
  return value;
}

function readBoolean(map: YAMLMap, key: string, fallback: boolean, problem: Problem): boolean {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return fallback;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== 'boolean') {
    problem(node, `"${key}" must be true or false.`);
    return fallback;
  }
  return value;
}

function readChoice<T extends string>(map: YAMLMap, key: string, choices: readonly T[], fallback: T, problem: Problem): T {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return fallback;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== 'string' || !choices.includes(value.toLowerCase() as T)) {
    problem(node, `"${key}" takes one of ${choices.join(', ')}.`);
    return fallback;
  }
  return value.toLowerCase() as T;
}
