// `rsetl init-etl` with a schema name no bus may have: the database's own `public` schema and a
// name over Redshift's 127 bytes both end with exit 64 and a message that says why, before
// anything is created in Redshift or in the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultEnv, type FaultEnv } from '../faults/harness.js';

let env: FaultEnv;

beforeAll(async () => {
  env = await startFaultEnv();
});
afterAll(async () => {
  await env?.stop();
});

/** What init-etl could have created: the warehouse's schemas and the source's buses. */
async function snapshot(): Promise<{ schemas: string[]; buses: number }> {
  const schemas = (await env.t.warehouse(`select nspname from pg_namespace order by 1`)).map((r) => r.nspname as string);
  const table = (await env.t.source.query(`select to_regclass('rsetl.bus') as t`)).rows[0].t;
  const buses = table ? (await env.t.source.query(`select count(*)::int as n from rsetl.bus`)).rows[0].n : 0;
  return { schemas, buses };
}

describe('rsetl init-etl refuses a schema a bus cannot have', () => {
  it('public: exit 64, says why, creates nothing', async () => {
    const before = await snapshot();
    const r = await env.cli(['init-etl', 'public', '--domain', '1']);
    expect(r.status, r.stderr + r.stdout).toBe(64);
    expect(r.stderr).toContain(`error: schema "public" cannot be a bus schema: it is the database's shared default schema`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshot()).toEqual(before);
  });

  it('a system schema (pg_ prefix): exit 64', async () => {
    const r = await env.cli(['init-etl', 'pg_loan', '--domain', '1']);
    expect(r.status, r.stderr + r.stdout).toBe(64);
    expect(r.stderr).toContain('names starting with pg_ are reserved');
  });

  it('a 200-character name: exit 64 with the byte limit, creates nothing', async () => {
    const before = await snapshot();
    const r = await env.cli(['init-etl', 'a'.repeat(200), '--domain', '1', '--json']);
    expect(r.status, r.stderr + r.stdout).toBe(64);
    const { error } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(error).toMatchObject({ code: 64, kind: 'usage' });
    expect(error.message).toContain('is too long: 200 bytes, and a Redshift name is at most 127 bytes');
    expect(error.message).not.toContain('lower-case');
    expect(await snapshot()).toEqual(before);
  });
});
