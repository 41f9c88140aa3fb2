import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { configKeyPaths } from '../../src/config/schema.js';
import { stripComments } from '../../src/config/validate.js';

const TEMPLATE = fileURLToPath(new URL('../../templates/rsetl.config.example.json', import.meta.url));

function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value)
    .filter(([k]) => k !== '$comment')
    .flatMap(([k, v]) => keyPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('templates/rsetl.config.example.json', () => {
  it('loads and validates with the variables it names set', async () => {
    const values = JSON.stringify(stripComments(JSON.parse(await readFile(TEMPLATE, 'utf8'))));
    const names = [...values.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    const env = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
    const { config, warnings } = await loadConfig({ path: TEMPLATE, env, require: ['source', 'redshift', 's3'] });
    expect(warnings).toEqual([]);
    expect(config.redshift.password).toBe('value-of-RSETL_REDSHIFT_PASSWORD');
    expect(config.source.url).toContain('value-of-');
  });

  it('names every key the schema declares, and documents every section', async () => {
    const template = JSON.parse(await readFile(TEMPLATE, 'utf8')) as Record<string, Record<string, unknown>>;
    const present = new Set(keyPaths(template));
    const missing = configKeyPaths().filter((k) => !present.has(k));
    expect(missing).toEqual([]);
    for (const section of Object.values(template)) if (typeof section === 'object' && !Array.isArray(section)) expect(section).toHaveProperty('$comment');
  });

  it('maps the old HOCON keys in its comments', async () => {
    const text = await readFile(TEMPLATE, 'utf8');
    for (const old of [
      'de.databases.redshift.datasource.url',
      'loi.cp.analytics.redshift.bucket',
      'loi.cp.analytics.redshift.role',
      'loi.cp.analytics.redshift.s3.prefix',
      'loi.cp.analytics.redshift.s3.endpoint',
      'loi.cp.analytics.redshift.s3.credentials.accessKeyId',
      '.secretKey',
      'loi.cp.analytics.region',
      'busUser.user',
      'analyticsbus.pollRate',
    ]) {
      expect(text).toContain(old);
    }
  });
});
