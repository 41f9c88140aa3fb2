// From untrusted JSON to a typed RsetlConfig, collecting every problem as `path.to.key: message`
// instead of stopping at the first. Unknown keys are problems (a typo must not be ignored), except
// `$comment`, which documents the template; `null` means "not set".
import type { z } from 'zod';
import { configSchema, keysAt, type ConfigSection, type RsetlConfig } from './schema.js';

export type Validation = { ok: true; config: RsetlConfig } | { ok: false; problems: string[] };

/** Removes `$comment` keys and null values, recursively. */
export function stripComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripComments);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== '$comment' && v !== null) out[k] = stripComments(v);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function didYouMean(path: string[], key: string): string {
  const best = keysAt(path)
    .map((k) => ({ k, d: editDistance(k.toLowerCase(), key.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean "${best.k}"?)` : '';
}

function formatIssue(issue: z.core.$ZodIssue, origins: ReadonlyMap<string, string>): string[] {
  const path = issue.path.map(String);
  const where = (p: string[]) => (p.length === 0 ? 'configuration' : p.join('.'));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${where([...path, k])}: unknown key${didYouMean(path, k)}`);
  }
  const origin = origins.get(path.join('.'));
  return [`${where(path)}: ${issue.message}${origin ? ` (from ${origin})` : ''}`];
}

function missing(config: RsetlConfig, require: readonly ConfigSection[]): string[] {
  const problems: string[] = [];
  if (require.includes('source') && config.source.url === '') problems.push('source.url: required');
  // With a login from AWS the endpoint can come from AWS too (DescribeClusters, GetWorkgroup, the secret).
  if (require.includes('redshift') && config.redshift.url === undefined && config.redshift.host === undefined && config.redshift.auth === 'password') {
    problems.push('redshift: give either url or host+database+user, or a redshift.auth that finds the endpoint (iam, serverless, secret)');
  }
  if (require.includes('s3') && config.s3.bucket === '') problems.push('s3.bucket: required');
  return problems;
}

/**
 * Validates a parsed configuration object. `require` names the sections the command needs
 * complete; `origins` maps dotted keys to the RSETL_* variable that set them, for messages.
 */
export function validateConfig(
  raw: unknown,
  require: readonly ConfigSection[] = ['source'],
  origins: ReadonlyMap<string, string> = new Map(),
): Validation {
  const parsed = configSchema.safeParse(stripComments(raw));
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap((i) => formatIssue(i, origins)) };
  const problems = missing(parsed.data, require);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: parsed.data };
}
