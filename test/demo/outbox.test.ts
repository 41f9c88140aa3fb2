import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../src/demo/generator.js';
import { copyText, insertOutboxEvents, platformId } from '../../src/demo/outbox.js';
import { createOutboxTable, monthlyPartitions } from '../../src/source/outbox-table.js';
import { transformEvent } from '../../src/events/registry.js';
import { newDatabase } from '../support/databases.js';

describe('monthlyPartitions', () => {
  it('covers the range month by month, [first of month, first of next month)', () => {
    expect(monthlyPartitions('analyticfinder', new Date('2024-11-15T00:00:00Z'), new Date('2025-01-01T00:00:00Z'))).toEqual([
      { name: 'analyticfinder_2024_11', from: '2024-11-01 00:00:00', to: '2024-12-01 00:00:00' },
      { name: 'analyticfinder_2024_12', from: '2024-12-01 00:00:00', to: '2025-01-01 00:00:00' },
      { name: 'analyticfinder_2025_01', from: '2025-01-01 00:00:00', to: '2025-02-01 00:00:00' },
    ]);
  });
});

describe('copyText', () => {
  it('escapes backslash, newline, carriage return and tab, and writes NULL as \\N', () => {
    expect(copyText('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
    expect(copyText(null)).toBe('\\N');
  });
});

describe('platformId', () => {
  it('rises overall but not strictly in order', () => {
    const ids = [0, 1, 2, 3].map((i) => platformId(1000n, i));
    expect(ids).toEqual([1000n, 1025n, 1020n, 1030n]);
  });
});

describe('the outbox in PostgreSQL', () => {
  const start = new Date('2025-01-20T00:00:00.000Z');
  const end = new Date('2025-03-10T00:00:00.000Z');
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: await newDatabase('outbox') });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  it('creates the partitioned table idempotently, with monthly and default partitions', async () => {
    await createOutboxTable(client, 'analyticfinder', { start, end });
    await createOutboxTable(client, 'analyticfinder', { start, end });
    const parts = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'analyticfinder'::regclass ORDER BY 1`,
    );
    expect(parts.rows.map((r) => r.name)).toEqual(['analyticfinder_2025_01', 'analyticfinder_2025_02', 'analyticfinder_2025_03', 'analyticfinder_default']);
    const pk = await client.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'analyticfinder'::regclass AND contype = 'p'`);
    expect(pk.rows[0]?.def).toBe('PRIMARY KEY ("time", id)');
    const cols = await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'analyticfinder' ORDER BY ordinal_position`,
    );
    expect(cols.rows).toEqual([
      { column_name: 'id', data_type: 'bigint', is_nullable: 'NO' },
      { column_name: 'datajson', data_type: 'jsonb', is_nullable: 'YES' },
      { column_name: 'guid', data_type: 'character varying', is_nullable: 'YES' },
      { column_name: 'time', data_type: 'timestamp without time zone', is_nullable: 'NO' },
      { column_name: 'root_id', data_type: 'bigint', is_nullable: 'NO' },
    ]);
  });

  it('writes generated events with COPY, and every row reads back as an event transformEvent accepts', async () => {
    const generated = [...generateDemoEvents({ start, end, rootId: '42' })];
    const count = await insertOutboxEvents(client, generated, { firstId: 9_000_000 });
    expect(count).toBe(generated.length);

    const n = await client.query<{ n: string; ids: string; min: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS min FROM analyticfinder WHERE root_id = 42`);
    expect(n.rows[0]).toEqual({ n: String(count), ids: String(count), min: '9000000' });

    // Spot-check: the row with the long URL and a row with a multi-byte name survive byte for byte.
    const longUrl = generated.find((e) => Buffer.byteLength(String((e.datajson as any).url ?? '')) > 1024)!;
    const back = await client.query<{ datajson: any; guid: string; time: string }>(
      `SELECT datajson, guid, to_char("time", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time FROM analyticfinder WHERE guid = $1`,
      [longUrl.guid],
    );
    expect(back.rows[0]).toEqual({ datajson: longUrl.datajson, guid: longUrl.guid, time: longUrl.time.toISOString() });
    const multibyte = generated.find((e) => /[^\x00-\x7f]/.test(String((e.datajson as any).user?.fullName ?? '')))!;
    const mb = await client.query<{ datajson: any }>(`SELECT datajson FROM analyticfinder WHERE guid = $1`, [multibyte.guid]);
    expect(mb.rows[0]?.datajson).toEqual(multibyte.datajson);

    // Read the outbox as rsetl does, by (time, id), and transform every row.
    const rows = await client.query<{ id: string; guid: string; time: Date; datajson: unknown }>(`SELECT id::text AS id, guid, "time", datajson FROM analyticfinder ORDER BY "time", id`);
    expect(rows.rows).toHaveLength(count);
    for (const r of rows.rows) {
      expect(transformEvent({ id: r.id, guid: r.guid, time: r.time.toISOString(), datajson: r.datajson }, { loadTime: '2025-03-10 00:00:00.000' }).status).toBe('handled');
    }
    const escaped = await client.query<{ n: string }>(`SELECT count(*) AS n FROM analyticfinder WHERE datajson->>'eventType' = 'PageNavEvent'`);
    expect(Number(escaped.rows[0]?.n)).toBeGreaterThan(1000);
  });

  it('writes into a schema-qualified table, escaping text that needs it', async () => {
    await client.query('CREATE SCHEMA app');
    await createOutboxTable(client, 'app.analyticfinder');
    const tricky = { eventType: 'PageNavEvent', id: 'x', title: 'tab\there, newline\nthere, back\\slash, "quote"' };
    await insertOutboxEvents(client, [{ guid: 'g\t1', time: new Date('2025-02-01T00:00:00.123Z'), rootId: '1', datajson: tricky }], { table: 'app.analyticfinder' });
    const r = await client.query<{ datajson: unknown; guid: string }>('SELECT datajson, guid FROM app.analyticfinder');
    expect(r.rows).toEqual([{ datajson: tricky, guid: 'g\t1' }]);
  });
});
