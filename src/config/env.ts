// The two ways the environment feeds the configuration:
// 1. a string value `"${NAME}"` (also embedded: `"postgres://u:${PW}@h/db"`) takes variable NAME;
//    `$${` writes a literal `${`;
// 2. RSETL_<SECTION>_<KEY> overrides a key, matched case-insensitively to the camelCase field, with
//    underscores inside the key optional: RSETL_POLL_MAXEVENTS = RSETL_POLL_MAX_EVENTS = poll.maxEvents,
//    RSETL_REDSHIFT_BUSUSER_PASSWORD = redshift.busUser.password.
import { configSchema, objectShape } from './schema.js';
import type { z } from 'zod';

const PLACEHOLDER = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Variables that start with RSETL_ but are not configuration keys. */
const NOT_KEYS = new Set(['RSETL_CONFIG', 'RSETL_DEBUG']);

export interface Substitution {
  value: unknown;
  /** `path.to.key: environment variable NAME is not set`, one per unset variable. */
  problems: string[];
}

/** Replaces `${NAME}` in every string value. An unset variable is a problem naming it and the key. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = []): Substitution {
  if (typeof value === 'string') {
    const problems: string[] = [];
    const out = value.replace(PLACEHOLDER, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v === undefined) {
        problems.push(`${path.join('.')}: environment variable ${name} is not set`);
        return whole;
      }
      return v;
    });
    return { value: out, problems };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { value, problems: [] };
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const sub = substituteEnv(v, env, [...path, k]);
    out[k] = sub.value;
    problems.push(...sub.problems);
  }
  return { value: out, problems };
}

/** The schema path named by the `_`-separated segments, or undefined. A leaf must end the name. */
function resolve(schema: z.ZodType, segments: string[]): string[] | undefined {
  const shape = objectShape(schema);
  if (!shape) return segments.length === 0 ? [] : undefined;
  for (let n = 1; n <= segments.length; n++) {
    const name = segments.slice(0, n).join('').toLowerCase();
    const key = Object.keys(shape).find((k) => k.toLowerCase() === name);
    const field = key === undefined ? undefined : shape[key];
    if (key === undefined || field === undefined) continue;
    const rest = resolve(field, segments.slice(n));
    if (rest && (rest.length > 0 || !objectShape(field))) return [key, ...rest];
  }
  return undefined;
}

export interface Overrides {
  /** Dotted key → the variable that set it. */
  origins: Map<string, string>;
  warnings: string[];
}

/**
 * Applies RSETL_<SECTION>_<KEY> variables to `raw` (mutated). Variables whose first segment is not
 * a section are not ours (RSETL_TEST_PG_URL) and are left alone; an unknown key in a known
 * section is a warning. Empty values are ignored, so a blank line in an env file changes nothing.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Overrides {
  const origins = new Map<string, string>();
  const warnings: string[] = [];
  const sections = Object.keys(objectShape(configSchema) ?? {}).map((s) => s.toLowerCase());
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith('RSETL_') || NOT_KEYS.has(name) || value === undefined || value === '') continue;
    const segments = name.slice('RSETL_'.length).split('_').filter((s) => s !== '');
    if (!sections.includes(segments[0]?.toLowerCase() ?? '')) continue;
    const path = resolve(configSchema, segments);
    if (!path || path.length < 2) {
      warnings.push(`${name}: no such configuration key (${segments.join('.').toLowerCase()}); ignored`);
      continue;
    }
    let target = raw;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
    origins.set(path.join('.'), name);
  }
  return { origins, warnings };
}
