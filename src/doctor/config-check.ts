// Check 1: the configuration parses, every section doctor exercises is complete, and a file that
// holds secrets is not readable by others. A broken configuration is reported here, with every
// problem the validator found; the runner then skips the other checks.
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { fail, pass, warn, type CheckOutcome, type DoctorContext } from './check.js';

export interface ConfigSource {
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** loadConfig's file-mode warning: `<file> holds secrets and is readable by group or others: chmod 600 <file>`. */
const MODE_WARNING = /^(.*readable by group or others): (chmod 600 .*)$/;

export async function checkConfig(ctx: DoctorContext, from: ConfigSource): Promise<CheckOutcome> {
  let loaded;
  try {
    loaded = await loadConfig({
      ...(from.path !== undefined && { path: from.path }),
      ...(from.env !== undefined && { env: from.env }),
      ...(from.cwd !== undefined && { cwd: from.cwd }),
      // Doctor exercises every part: the source, S3 and Redshift must all be configured.
      require: ['source', 'redshift', 's3'],
    });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const listed = Array.isArray(e.context.problems) ? (e.context.problems as string[]) : undefined;
    if (!listed) {
      // The file is missing, unreadable or not JSON: the message names the file already.
      return fail(e.message, 'the configuration file cannot be read as JSON', e.hint ?? 'fix the file named above');
    }
    const where = typeof e.context.path === 'string' ? e.context.path : 'RSETL_* environment (no config file)';
    return fail(
      `${where}: ${listed.length === 1 ? listed[0] : `${listed.length} problems: ${listed.join('; ')}`}`,
      'the configuration lacks a required key or has an invalid value',
      e.hint ?? 'fix the keys named above',
      { problems: listed },
    );
  }
  ctx.config = loaded.config;
  ctx.configPath = loaded.path;
  const where = loaded.path ?? 'RSETL_* environment variables (no config file)';
  const data = { path: loaded.path ?? null };
  const mode = loaded.warnings.map((w) => MODE_WARNING.exec(w)).find((m) => m !== null);
  const others = loaded.warnings.filter((w) => !MODE_WARNING.test(w));
  if (mode) {
    return warn(`${where}: valid, but ${mode[1]}`, 'passwords or keys in the file can be read by other users of this host', mode[2]!, data);
  }
  if (others.length > 0) {
    return warn(`${where}: valid; ${others.join('; ')}`, 'an RSETL_* variable names no configuration key', 'fix or unset the variable', data);
  }
  return pass(`${where}: valid (source, redshift and s3 complete)`, data);
}
