// Reads the configuration: file (opts.path → RSETL_CONFIG → ./rsetl.config.json), then `${NAME}`
// substitution, then RSETL_<SECTION>_<KEY> overrides, then validation. Every problem is reported
// at once in one ConfigError, one `path.to.key: message` per line.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { configSecrets } from './connections.js';
import { applyEnvOverrides, substituteEnv } from './env.js';
import { addKnownSecrets } from './redact.js';
import type { ConfigSection, RsetlConfig } from './schema.js';
import { stripComments, validateConfig } from './validate.js';

export { redshiftConnection, s3ClientSettings, type S3ClientSettings } from './connections.js';

export const DEFAULT_CONFIG_FILE = 'rsetl.config.json';
const TEMPLATE = 'templates/rsetl.config.example.json';

export interface LoadConfigOptions {
  /** --config FILE. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Sections the command needs complete; default ['source']. */
  require?: ConfigSection[];
  /** Directory the default file and relative paths are resolved against; default process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: RsetlConfig;
  /** The file read, or undefined when the environment alone supplied the configuration. */
  path: string | undefined;
  warnings: string[];
}

/**
 * A config file named explicitly (--config) must exist and be readable: checked when a command
 * starts, so a typo in the path stops every command before it does anything else (78).
 */
export async function assertConfigFileReadable(path: string, cwd = process.cwd()): Promise<void> {
  await readConfigFile(resolve(cwd, path), true);
}

async function readConfigFile(file: string, explicit: boolean): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not readable (permission denied)' : `cannot be read (${code ?? String(e)})`;
    throw new ConfigError(`config file ${file} ${why}`, {
      hint: `pass --config FILE or set RSETL_CONFIG; start from ${TEMPLATE}`,
      context: { path: file },
    });
  }
}

/** JSON.parse's own message can quote the text around the error, secrets included: give line and column only. */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec(String((e as Error).message))?.[1];
    let where = '';
    if (pos !== undefined) {
      const before = text.slice(0, Number(pos)).split('\n');
      where = ` at line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
    }
    throw new ConfigError(`${file}: not valid JSON${where}`, { hint: 'the file is plain JSON: no comments (use "$comment" keys), no trailing commas' });
  }
}

const SECRET_KEY = /password|secret/i;
const URL_WITH_PASSWORD = /:\/\/[^\s:@/]*:[^\s@]+@/;

/** True when the file itself holds a secret (not only `${NAME}` placeholders for one). */
function holdsSecret(value: unknown, key = ''): boolean {
  if (typeof value === 'string') {
    const literal = value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, '');
    return (SECRET_KEY.test(key) && literal !== '') || URL_WITH_PASSWORD.test(literal);
  }
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => holdsSecret(v, k));
}

async function permissionWarning(file: string, raw: unknown): Promise<string | undefined> {
  if (process.platform === 'win32' || !holdsSecret(raw)) return undefined;
  const { mode } = await stat(file);
  if ((mode & 0o077) === 0) return undefined;
  return `${file} holds secrets and is readable by group or others: chmod 600 ${file}`;
}

export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const given = opts.path ?? (env.RSETL_CONFIG || undefined);
  const file = resolve(cwd, given ?? DEFAULT_CONFIG_FILE);
  const text = await readConfigFile(file, given !== undefined);
  const warnings: string[] = [];

  let raw: Record<string, unknown> = {};
  if (text !== undefined) {
    const parsed = stripComments(parseJson(text, file));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`${file}: must hold a JSON object`, { hint: `start from ${TEMPLATE}` });
    }
    const warning = await permissionWarning(file, parsed);
    if (warning) warnings.push(warning);
    raw = parsed as Record<string, unknown>;
  }

  const substituted = substituteEnv(raw, env);
  const merged = substituted.value as Record<string, unknown>;
  const overrides = applyEnvOverrides(merged, env);
  warnings.push(...overrides.warnings);
  const validation = validateConfig(merged, opts.require ?? ['source'], overrides.origins);

  // An unset variable does not matter for a key an RSETL_* variable overrides; and a key whose
  // variable is unset also fails its format check: report the cause, once.
  const keyOf = (problem: string) => problem.slice(0, problem.indexOf(':'));
  const unset = substituted.problems.filter((p) => !overrides.origins.has(keyOf(p)));
  const unsetKeys = new Set(unset.map(keyOf));
  const problems = [
    ...unset,
    ...(validation.ok ? [] : validation.problems.filter((p) => !unsetKeys.has(keyOf(p)))),
  ];
  if (problems.length > 0 || !validation.ok) {
    const hint =
      text === undefined
        ? `no config file found (looked for ${file}); pass --config FILE, set RSETL_CONFIG, or set RSETL_* variables (template: ${TEMPLATE})`
        : `fix ${file} or the RSETL_* environment variables (template: ${TEMPLATE})`;
    throw new ConfigError(problems.join('\n'), { hint, context: { path: text === undefined ? undefined : file, problems } });
  }

  addKnownSecrets(configSecrets(validation.config));
  return { config: validation.config, path: text === undefined ? undefined : file, warnings };
}
