// What counting late events (source/late-events.ts) costs the source per load when the outbox is
// busy: `rows` outbox rows spread evenly over the LATE_HORIZON before the window start, shared by
// `domains` root ids, on an embedded PostgreSQL of its own. The outbox has no index on root_id (the
// application's table: primary key (time, id) only), so the count reads every domain's rows of the
// horizon, whichever bus asks. Each count runs three times; the times are the source's work per
// load of one bus. Nothing here is rsetl's CPU: the query runs in PostgreSQL.
//
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/late-events-scan.js [rows] [domains]
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startLocalPostgres } from '../src/localstack/postgres.js';
import { createOutboxTable } from '../src/source/outbox-table.js';
import { ensureControlSchema } from '../src/source/control-schema/ensure.js';
import { countLateEvents, LATE_HORIZON_SECONDS, readSnapshot } from '../src/source/late-events.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const domains = Number(process.argv[3] ?? 1);
if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(domains) || domains < 1) {
  throw new Error('usage: late-events-scan.js [rows >= 1] [domains >= 1]');
}

const server = await startLocalPostgres();
try {
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  try {
    await createOutboxTable(c);
    await ensureControlSchema(c, 'rsetl');
    const t0 = performance.now();
    // Times from the horizon's start up to now, root ids 1..domains in turn.
    await c.query(
      `insert into analyticfinder (id, datajson, guid, time, root_id)
       select g, '{"eventType":"PageNavEvent"}'::jsonb, md5(g::text),
              (now() at time zone 'UTC') - make_interval(secs => $3::int) + make_interval(secs => $3::int * g::float8 / $1),
              (g % $2) + 1
       from generate_series(1, $1::int) g`,
      [rows, domains, LATE_HORIZON_SECONDS],
    );
    await c.query('VACUUM (ANALYZE) analyticfinder');
    console.log(`${rows.toLocaleString('en-US')} outbox rows over ${domains} domain(s) in the ${LATE_HORIZON_SECONDS / 3600} h before the window start, inserted in ${Math.round(performance.now() - t0)} ms`);
    const before = await readSnapshot(c);
    const windowStart = (await c.query<{ t: string }>(`select (now() at time zone 'UTC')::timestamp::text as t`)).rows[0]!.t;
    for (let i = 1; i <= 3; i++) {
      const t = performance.now();
      const late = await countLateEvents(c, {
        table: 'analyticfinder', controlSchema: 'rsetl', busId: 1, rootId: '1', windowStart, before, after: await readSnapshot(c),
      });
      console.log(`count ${i}: ${late} late, ${Math.round(performance.now() - t)} ms`);
    }
  } finally {
    await c.end();
  }
} finally {
  await server.stop();
}
