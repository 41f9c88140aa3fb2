import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonbText } from '../../src/source/jsonb-text.js';
import { adminUrl } from '../support/databases.js';

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

/** What PostgreSQL's jsonb makes of the text. */
const viaJsonb = async (text: string) => (await client.query(`select $1::jsonb as v`, [text])).rows[0].v as unknown;

describe('jsonbText', () => {
  it('is JSON.stringify for values without a NUL', async () => {
    const v = { a: 'x\\u0000y', b: [1, null, 'ü\t'], c: { d: true } };
    expect(jsonbText(v)).toBe(JSON.stringify(v));
    expect(jsonbText(undefined)).toBe('null');
    expect(await viaJsonb(jsonbText(v))).toEqual(v);
  });

  it('writes each NUL of a string or key as the text \\u0000, which jsonb accepts (it refuses the escape)', async () => {
    const v = { title: 'a\u0000b', ['k\u0000']: ['\u0000', '\\\u0000', '\\u0000'] };
    await expect(viaJsonb(JSON.stringify(v))).rejects.toThrow(/unsupported Unicode escape/);
    expect(await viaJsonb(jsonbText(v))).toEqual({ title: 'a\\u0000b', ['k\\u0000']: ['\\u0000', '\\\\u0000', '\\u0000'] });
  });
});
