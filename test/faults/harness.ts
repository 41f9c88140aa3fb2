// The fault-injection harness (docs/faults.md#harness, #oracle): a local stack per test file, a config file for
// real `rsetl` child processes with secrets that appear nowhere else (so the output check means
// something), buses with their own domain and schema per scenario, and the ORACLE every scenario
// ends with: every committed outbox event loaded exactly once, state tables equal to a model
// computed here from the raw events, the ledger consistent, and no secret in any process output.
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { randomSuffix } from '../support/random-suffix.js';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { initEtl } from '../../src/admin/init-etl.js';
import type { RsetlConfig } from '../../src/config/schema.js';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';
import { insertOutboxEvents } from '../../src/demo/outbox.js';
import {
  startRedshiftStandin, type RedshiftStandin, type StandinFlavour, type StandinIsolation,
} from '../../src/localstack/redshift-standin/index.js';
import { CREATION_ORDER } from '../../src/model/tables.js';
import { adminUrl } from '../support/databases.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Config file; default the harness's (see FaultEnv.configPath). `null`: no --config flag. */
  config?: string | null;
  timeoutMs?: number;
}

export interface Bus {
  schema: string;
  rootId: string;
  busId: number;
}

export interface FaultEnv {
  t: TestStack;
  dir: string;
  /** Config for child processes: its own PostgreSQL role and S3 key, mode 0600. */
  configPath: string;
  /** The raw config object behind configPath (a fresh copy each call). */
  rawConfig(): Record<string, any>;
  /** Every password and key in configPath. */
  secrets: string[];
  /** Every output of every child process so far. */
  outputs: string[];
  /** The URL of the backing database of the stand-in (what "Redshift" holds). */
  backingUrl: string;
  /** Writes another config file (mode 0600 unless given) from the harness's, changed by `patch`. */
  writeConfig(name: string, patch: (raw: Record<string, any>) => void, mode?: number): Promise<string>;
  /** Runs `rsetl <args>` to completion (asynchronously: the stand-in runs in this process). */
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** Starts `rsetl <args>` and returns at once. */
  spawn(args: string[], opts?: CliOptions): { child: ChildProcess; done: Promise<CliResult> };
  /** A new bus (own domain and schema), with `events` in its outbox (default: the file's stream). */
  newBus(name: string, events?: DemoEvent[]): Promise<Bus>;
  /** Inserts events into a bus's domain (ids from the file's id counter). */
  insert(bus: Bus, events: DemoEvent[]): Promise<void>;
  /** Makes a bus due now (the `bus pump` of a test). */
  pump(bus: Bus): Promise<void>;
  /** A second stand-in on the same backing database and S3, slowed down (same isolation and flavour). */
  slowStandin(latency: { statementMs?: number; copyMs?: number }): Promise<RedshiftStandin>;
  /** A config file like the file's own, with Redshift reached through `standin` (its port). */
  configFor(standin: RedshiftStandin, name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The stream every bus of a file starts with: 20-odd of the 22 types, ~450 events (10 users), 10 min to 2 h 10 min ago. */
export function baseStream(seed = 5, users = 10): DemoEvent[] {
  const end = new Date(Date.now() - 10 * 60_000);
  return [...generateDemoEvents({ start: new Date(end.getTime() - 2 * 3600_000), end, users, sections: 2, seed })];
}

export interface FaultEnvOptions {
  stream?: DemoEvent[];
  tweak?: (c: RsetlConfig) => void;
  poll?: Record<string, unknown>;
  /**
   * How the stand-in (and every slowStandin) behaves as Redshift: `isolation` between sessions
   * (`serializable` as provisioned clusters, `snapshot` as Serverless; default PostgreSQL's READ
   * COMMITTED) and `flavour` (`serverless`: no STL_ views). See StandinOptions.
   */
  redshift?: { isolation?: StandinIsolation; flavour?: StandinFlavour };
}

export async function startFaultEnv(opts: FaultEnvOptions = {}): Promise<FaultEnv> {
  // A long interval keeps buses that are done (or failing) out of the way of later polls.
  const poll = { intervalSeconds: 3600, lockTimeoutSeconds: 1, ...opts.poll };
  const redshift = opts.redshift ?? {};
  const t = await startTestStack((c) => {
    Object.assign(c.poll, poll);
    opts.tweak?.(c);
  }, redshift);
  const dir = await mkdtemp(join(tmpdir(), 'rsetl-faults-'));
  const suffix = randomSuffix();
  const role = `fault_${suffix}`;
  const password = `Pw-${suffix}-Zq9`;
  const s3Secret = `S3sec-${randomBytes(6).toString('hex')}`;
  await t.source.query(`create role "${role}" login superuser password '${password}'`);
  const withRole = (url: string) => {
    const u = new URL(url);
    u.username = role;
    u.password = password;
    return u.toString();
  };
  const base = JSON.parse(JSON.stringify(t.stack.config)) as Record<string, any>;
  base.source.url = withRole(base.source.url);
  base.redshift.url = withRole(base.redshift.url);
  base.s3.secretAccessKey = s3Secret;
  base.poll = { ...base.poll, ...poll };
  delete base.dev;
  const rawConfig = () => JSON.parse(JSON.stringify(base)) as Record<string, any>;
  const writeConfig = async (name: string, patch: (raw: Record<string, any>) => void, mode = 0o600) => {
    const raw = rawConfig();
    patch(raw);
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(raw, null, 2) + '\n', { mode });
    await chmod(path, mode);
    return path;
  };
  const configPath = await writeConfig('rsetl.config.json', () => undefined);
  const backing = new URL(t.stack.redshiftUrl);
  const admin = new URL(adminUrl());
  backing.hostname = admin.hostname;
  backing.port = admin.port;
  const outputs: string[] = [];
  const standins: RedshiftStandin[] = [];
  const stream = opts.stream ?? baseStream();
  let nextRoot = 100;
  let nextId = 1_000_000;

  const spawn = (args: string[], o: CliOptions = {}) => {
    const config = o.config === undefined ? configPath : o.config;
    const full = [...args, ...(config === null ? [] : ['--config', config])];
    const started = Date.now();
    let child!: ChildProcess;
    const done = new Promise<CliResult>((resolve) => {
      child = execFile(
        process.execPath,
        ['bin/rsetl', ...full],
        { env: { ...process.env, NO_COLOR: '1', RSETL_TEST_HOOKS: '1', ...o.env }, timeout: o.timeoutMs ?? 90_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const e = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
          outputs.push(stdout, stderr);
          resolve({
            status: e ? (typeof e.code === 'number' ? e.code : null) : 0,
            signal: e?.signal ?? null,
            stdout,
            stderr,
            ms: Date.now() - started,
          });
        },
      );
    });
    return { child, done };
  };

  const env: FaultEnv = {
    t,
    dir,
    configPath,
    rawConfig,
    secrets: [password, s3Secret, 'rsetl-local-secret'],
    outputs,
    backingUrl: backing.toString(),
    writeConfig,
    spawn,
    cli: (args, o) => spawn(args, o).done,
    async newBus(name, events = stream) {
      const rootId = String(nextRoot++);
      const r = await initEtl(t.conn, t.config, { schema: name, rootId, since: '2000-01-01 00:00:00' });
      const bus = { schema: name, rootId, busId: r.bus.id };
      if (events.length > 0) await env.insert(bus, events);
      return bus;
    },
    async insert(bus, events) {
      await insertOutboxEvents(t.source, events.map((e) => ({ ...e, rootId: bus.rootId })), { firstId: nextId });
      nextId += events.length * 10 + 100;
    },
    async pump(bus) {
      await t.source.query(`update rsetl.bus set scheduled = now() where id = $1`, [bus.busId]);
    },
    async slowStandin(latency) {
      const s3 = t.stack.config.s3 as { region: string; accessKeyId: string; secretAccessKey: string };
      const s = await startRedshiftStandin({
        backendUrl: backing.toString(),
        s3: { endpoint: t.stack.s3Endpoint, region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
        acceptedIamRoles: [t.stack.iamRole],
        latency,
        ...redshift,
      });
      standins.push(s);
      return s;
    },
    configFor(standin, name) {
      return this.writeConfig(name, (c) => {
        const u = new URL(c.redshift.url);
        u.port = String(standin.port);
        c.redshift.url = u.toString();
      });
    },
    async stop() {
      for (const s of standins) await s.close().catch(() => undefined);
      await t.stop();
      // The role is cluster-wide (the test databases stay with the run's server and own nothing of it).
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`drop role if exists "${role}"`).catch(() => undefined);
      await a.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return env;
}

// ---------------------------------------------------------------------------------------------
// Waiting for things a child process does (waitFor itself is test/support/wait-for.ts).

export { waitFor };

/** True while some session holds the bus's advisory lock in the source. */
export async function busLocked(env: FaultEnv, bus: Bus): Promise<boolean> {
  const r = await env.t.source.query(
    `select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and objid = $1 and objsubid = 2 and database = (select oid from pg_database where datname = current_database())`,
    [bus.busId],
  );
  return r.rows[0].n > 0;
}

/** True while a load transaction holds its LOCK on the schema's ledger (it is inside BEGIN … COMMIT). */
export async function ledgerLocked(env: FaultEnv, bus: Bus): Promise<boolean> {
  const r = await env.t.warehouse(
    `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = 'rsetl_load' and l.mode = 'AccessExclusiveLock' and l.granted`,
    [bus.schema],
  );
  return r[0]!.n > 0;
}

/**
 * True while a load holds locks in the bus's schema: its transaction's LOCK, or a COPY lane's
 * transaction (docs/design.md#copy-lanes), which locks the target whose shape its stage copies.
 * The way to wait for "a load is inside Redshift" with lanes or without.
 */
export async function loadInRedshift(env: FaultEnv, bus: Bus): Promise<boolean> {
  const r = await env.t.warehouse(
    `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and l.granted and l.pid <> pg_backend_pid()`,
    [bus.schema],
  );
  return r[0]!.n > 0;
}

export async function ledgerRows(env: FaultEnv, bus: Bus): Promise<number> {
  return (await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".rsetl_load`))[0]!.n;
}

/** Nothing of a failed load reached Redshift: no ledger row, and neither early nor late tables of the load order hold rows. */
export async function expectNothingLoaded(env: FaultEnv, bus: Bus): Promise<void> {
  expect(await ledgerRows(env, bus)).toBe(0);
  for (const table of ['asset', 'section', 'usr', 'pagenavevent']) {
    expect((await env.t.warehouse(`select count(*)::int as n from "${bus.schema}".${table}`))[0]!.n, table).toBe(0);
  }
}

export async function busRow(env: FaultEnv, bus: Bus): Promise<Record<string, any>> {
  return (await env.t.source.query(`select * from rsetl.bus where id = $1`, [bus.busId])).rows[0];
}

/** Waits until no session of the backing database is left in a transaction on this schema. */
export async function settled(env: FaultEnv, bus: Bus): Promise<void> {
  await waitFor('the killed load to roll back', async () => !(await ledgerLocked(env, bus)), 20_000);
}

// ---------------------------------------------------------------------------------------------
// The oracle.

interface RawEvent {
  id: string;
  guid: string | null;
  time: string;
  d: Record<string, any>;
  type: string | undefined;
}

export interface OracleOptions {
  /** Event ids that are expected NOT to be loaded (dead-lettered, or never valid). */
  exclude?: Iterable<string>;
  /** Skip the "bus is healthy and caught up" checks. */
  allowFailing?: boolean;
}

/** The committed events of a domain in window order, `time < now` (as rsetl reads them). */
export async function committedEvents(env: FaultEnv, bus: Bus): Promise<RawEvent[]> {
  const r = await env.t.source.query(
    `select id::text as id, guid, time::text as time, datajson from analyticfinder
     where root_id = $1 and time < (now() at time zone 'UTC') order by time, id`,
    [bus.rootId],
  );
  return r.rows.map((x) => {
    const d = (x.datajson ?? {}) as Record<string, any>;
    const type = typeof d === 'object' && d !== null && !Array.isArray(d) && typeof d.eventType === 'string' ? d.eventType : undefined;
    return { id: x.id, guid: x.guid, time: x.time, d: typeof d === 'object' && d !== null ? d : {}, type };
  });
}

/** Every output so far is free of the configuration's secrets. */
export function expectNoSecrets(env: FaultEnv, extra: string[] = []): void {
  for (const out of [...env.outputs, ...extra]) {
    for (const s of env.secrets) expect(out.includes(s), `a secret leaked into process output:\n${out.slice(0, 2000)}`).toBe(false);
  }
}

/**
 * Everything the scenarios promise, checked from the outside: the tables of `bus.schema` against
 * the raw events of its domain, the ledger, the bus, and the process outputs.
 */
export async function expectOracle(env: FaultEnv, bus: Bus, opts: OracleOptions = {}): Promise<void> {
  const q = (sql: string, params?: unknown[]) => env.t.warehouse(sql, params);
  const s = `"${bus.schema}"`;
  const count = async (table: string) => (await q(`select count(*)::int as n from ${s}.${table}`))[0]!.n as number;
  const excluded = new Set(opts.exclude ?? []);
  // Dead-lettered events that were never delivered (a replay that loaded one brings it back).
  const dead = await env.t.source.query(
    `select event_id::text as id from rsetl.dead_letter where bus_id = $1
     group by event_id having bool_and(replayed_load_id is null)`,
    [bus.busId],
  );
  for (const r of dead.rows) excluded.add(r.id);
  const events = (await committedEvents(env, bus)).filter((e) => !excluded.has(e.id));
  const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.d);

  // Append tables: one row per fact, and no event twice.
  const fact = async (table: string, idColumn: string, expected: string[]) => {
    const rows = await q(`select ${idColumn} as id, count(*)::int as n from ${s}.${table} group by 1 having count(*) > 1`);
    expect(rows, `${table}: duplicate ${idColumn}`).toEqual([]);
    const ids = (await q(`select ${idColumn} as id from ${s}.${table}`)).map((r) => String(r.id)).sort();
    expect(ids.length, `${table}: rows vs events`).toBe(expected.length);
    expect(ids, `${table}: ids`).toEqual([...expected].sort());
  };
  await fact('pagenavevent', 'id', of('PageNavEvent').map((d) => d.id));
  await fact('sessionevent', 'id', of('SessionEvent').map((d) => d.id));
  await fact('timespentdiscrete', 'eventid', of('TimeSpentEvent2').filter((d) => d.edgePath != null && d.assetId != null).map((d) => d.id));
  expect(await count('sectionentry'), 'sectionentry').toBe(of('SectionEntryEvent1').length);
  expect(await count('tutorialview'), 'tutorialview').toBe(of('TutorialViewEvent1').length);
  const responses = [...of('SurveySubmissionEvent1'), ...of('SurveySubmissionEvent2')].reduce((a, d) => a + (d.responses?.length ?? 0), 0);
  expect(await count('surveyquestionresponse'), 'surveyquestionresponse').toBe(responses);
  expect(await count('progressovertime'), 'progressovertime').toBe(of('ProgressPutEvent2').reduce((a, d) => a + (d.values?.length ?? 0), 0));

  // State tables, replayed event by event in window order, independently of rsetl's combine step.
  const sections = new Map<string, boolean>();
  const sectionNames = new Map<string, unknown>();
  const enrollments = new Map<string, boolean>();
  const users = new Set<string>();
  const sessions = new Set<string>();
  const contents = new Map<string, Set<string>>();
  const assets = new Set<string>();
  const progress = new Set<string>();
  const attempts = new Map<string, string>();
  const grades = new Map<string, boolean>();
  const firstReply = new Map<string, string | null>();
  const closed = new Map<string, boolean>();
  const category = new Map<string, string | null>();
  const activity = new Set<string>();
  for (const e of events) {
    const d = e.d;
    switch (e.type) {
      case 'SectionCreateEvent2':
        contents.set(String(d.section.id), new Set((d.contents ?? []).map((c: { edgePath: string }) => c.edgePath)));
        sections.set(String(d.section.id), true);
        sectionNames.set(String(d.section.id), d.section.name ?? null);
        break;
      case 'SectionUpdateEvent2':
        sections.set(String(d.section.id), true);
        sectionNames.set(String(d.section.id), d.section.name ?? null);
        break;
      case 'SectionDeleteEvent1':
        sections.set(String(d.sectionId), false);
        break;
      case 'PublishContentEvent1':
        for (const a of d.assets ?? []) assets.add(String(a.id));
        for (const sid of d.sectionIds ?? []) contents.set(String(sid), new Set((d.contents ?? []).map((c: { edgePath: string }) => c.edgePath)));
        break;
      case 'EnrollmentCreateEvent2':
      case 'EnrollmentUpdateEvent2':
        enrollments.set(String(d.enrollmentId), true);
        users.add(String(d.user.id));
        break;
      case 'EnrollmentDeleteEvent1':
        enrollments.set(String(d.enrollmentId), false);
        break;
      case 'SectionEntryEvent1':
        users.add(String(d.user.id));
        break;
      case 'SessionEvent':
        if (d.actionType === 'start' && d.sessionId != null) sessions.add(String(d.sessionId));
        break;
      case 'ProgressPutEvent2':
        for (const v of d.values ?? []) {
          progress.add(`${d.sectionId}|${d.userId}|${v.edgePath}`);
          if (d.maintenance !== true) activity.add(`${d.sectionId}|${d.userId}|${v.edgePath}`);
        }
        break;
      case 'AttemptPutEvent1':
        attempts.set(String(d.attemptId), d.state);
        if (d.state !== 'Open' && d.maintenance !== true) activity.add(`${d.sectionId}|${d.userId}|${d.edgePath}`);
        break;
      case 'GradePutEvent1':
        grades.set(`${d.learner.id}|${d.section.id}|${d.edgePath}`, true);
        if (d.maintenance !== true) activity.add(`${d.section.id}|${d.learner.id}|${d.edgePath}`);
        break;
      case 'GradeUnsetEvent':
        grades.set(`${d.learner.id}|${d.course.section.id}|${d.contentId.contentId}`, false);
        if (d.maintenance !== true) activity.add(`${d.course.section.id}|${d.learner.id}|${d.contentId.contentId}`);
        break;
      case 'TimeSpentEvent2':
        users.add(String(d.user.id));
        if (d.edgePath != null && d.assetId != null && d.maintenance !== true) activity.add(`${d.context.id}|${d.user.id}|${d.edgePath}`);
        break;
      case 'DiscussionPostPutEvent1':
        if (!firstReply.has(String(d.postId)) || firstReply.get(String(d.postId)) == null) {
          firstReply.set(String(d.postId), d.instructorReplyUserId == null ? null : String(d.instructorReplyUserId));
        }
        break;
      case 'QnaThreadPutEvent1':
        closed.set(String(d.threadId), (closed.get(String(d.threadId)) ?? false) || Boolean(d.studentClosed));
        category.set(String(d.threadId), d.category ?? null);
        break;
    }
  }
  const live = (m: Map<string, boolean>) => [...m].filter(([, v]) => v).map(([k]) => k).sort();
  const ids = async (sql: string) => (await q(sql)).map((r) => String(r.id)).sort();
  expect(await ids(`select id::text as id from ${s}.section`), 'section').toEqual(live(sections));
  for (const r of await q(`select id::text as id, name from ${s}.section`)) expect(r.name, `section ${r.id} name`).toBe(sectionNames.get(r.id));
  expect(await ids(`select id::text as id from ${s}.enrollment`), 'enrollment').toEqual(live(enrollments));
  expect(await ids(`select id::text as id from ${s}.usr`), 'usr').toEqual([...users].sort());
  expect(await ids(`select id::text as id from ${s}.session`), 'session').toEqual([...sessions].sort());
  expect(await ids(`select id::text as id from ${s}.asset`), 'asset').toEqual([...assets].sort());
  const contentKeys = [...contents].flatMap(([sid, set]) => [...set].map((p) => `${sid}|${p}`)).sort();
  expect(await ids(`select sectionid || '|' || edgepath as id from ${s}.sectioncontent`), 'sectioncontent').toEqual(contentKeys);
  expect(await ids(`select sectionid || '|' || userid || '|' || edgepath as id from ${s}.progress`), 'progress').toEqual([...progress].sort());
  const storedAttempts = await q(`select id::text as id, state from ${s}.attempt`);
  expect(storedAttempts.length, 'attempt').toBe(attempts.size);
  for (const r of storedAttempts) expect(r.state, `attempt ${r.id}`).toBe(attempts.get(r.id));
  expect(await ids(`select userid || '|' || sectionid || '|' || edgepath as id from ${s}.grade`), 'grade').toEqual(live(grades));
  const posts = await q(`select postid::text as id, instructorreplyuserid::text as r from ${s}.discussionpost`);
  expect(posts.length, 'discussionpost').toBe(firstReply.size);
  for (const r of posts) expect(r.r, `post ${r.id}`).toBe(firstReply.get(r.id));
  const threads = await q(`select threadid::text as id, studentclosed, category from ${s}.qnathread`);
  expect(threads.length, 'qnathread').toBe(closed.size);
  for (const r of threads) {
    expect(r.studentclosed, `thread ${r.id}`).toBe(closed.get(r.id));
    expect(r.category, `thread ${r.id}`).toBe(category.get(r.id));
  }
  for (const d of of('UserObfuscateEvent1')) {
    const [row] = await q(`select * from ${s}.usr where id = $1`, [d.userId]);
    if (!row) continue;
    const { id: _id, ...personal } = row;
    expect(Object.values(personal).every((v) => v === null), `usr ${d.userId} obfuscated`).toBe(true);
  }
  // Every requested instructor snapshot day was generated (one row per active instructor and section).
  const days = [...new Set(of('InstructorSnapshotDayCreateEvent1').map((d) => String(d.snapshotDay).slice(0, 10)))].sort();
  const [instructors] = await q(`select count(*)::int as n from ${s}.activeenrollment where role = 'instructor'`);
  if (days.length > 0 && instructors!.n > 0) {
    const generated = (await q(`select distinct to_char(date, 'YYYY-MM-DD') as d from ${s}.instructorsnapshotday`)).map((r) => r.d as string);
    expect(generated, 'instructorsnapshotday: requested days').toEqual(expect.arrayContaining(days));
  }
  const [dups] = await q(`select count(*)::int as n from (select id from ${s}.activity group by id having count(*) > 1) d`);
  expect(dups!.n, 'activity: duplicate ids').toBe(0);
  expect(await ids(`select distinct sectionid || '|' || userid || '|' || edgepath as id from ${s}.activity`), 'activity').toEqual([...activity].sort());

  // The ledger: one row per committed load, no watermark loaded twice, every event counted once.
  const [dupStates] = await q(`select count(*)::int as n from (select from_state from ${s}.rsetl_load where bus_id = $1 group by 1 having count(*) > 1) d`, [bus.busId]);
  expect(dupStates!.n, 'ledger: two loads from the same watermark').toBe(0);
  const [ledger] = await q(`select coalesce(sum(events), 0)::int as n from ${s}.rsetl_load where bus_id = $1`, [bus.busId]);
  // Windows of only ignored/unknown types load nothing and write no ledger row (docs/design.md#transform).
  const [skippedRuns] = (
    await env.t.source.query(`select coalesce(sum(events), 0)::int as n from rsetl.run where bus_id = $1 and outcome = 'nothing-to-load'`, [bus.busId])
  ).rows;
  const allEvents = (await committedEvents(env, bus)).length;
  expect(ledger!.n + skippedRuns.n, 'ledger events + nothing-to-load events vs committed events').toBe(allEvents - dead.rows.length);

  if (!opts.allowFailing) {
    const b = await busRow(env, bus);
    expect(b.failure_count, `bus failing: ${JSON.stringify(b.last_error)}`).toBe(0);
    expect(b.pending_snapshot_days, 'snapshot days still pending').toEqual([]);
    if (b.last_load_id) {
      const [hit] = await q(`select count(*)::int as n from ${s}.rsetl_load where load_id = $1`, [b.last_load_id]);
      expect(hit!.n, 'the bus names a committed load').toBe(1);
    }
  }
  expectNoSecrets(env);
}

/** Tables of `a` and `b` hold the same rows (activity: the same keys; its etltime is per load). */
export async function expectSameTables(env: FaultEnv, a: string, b: string): Promise<void> {
  const diffs: string[] = [];
  for (const table of CREATION_ORDER) {
    const cols = table === 'activity' ? 'sectionid, userid, edgepath' : '*';
    const set = table === 'activity' ? '' : ' all';
    const [d] = await env.t.warehouse(
      `select count(*)::int as n from ((select ${cols} from "${a}".${table} except${set} select ${cols} from "${b}".${table})
         union all (select ${cols} from "${b}".${table} except${set} select ${cols} from "${a}".${table})) d`,
    );
    if (d!.n !== 0) {
      const sample = await env.t.warehouse(
        `(select '${a}' as only_in, ${cols} from "${a}".${table} except${set} select '${a}', ${cols} from "${b}".${table})
         union all (select '${b}', ${cols} from "${b}".${table} except${set} select '${b}', ${cols} from "${a}".${table}) limit 6`,
      );
      diffs.push(`${table}: ${d!.n} rows differ, e.g. ${JSON.stringify(sample)}`);
    }
  }
  expect(diffs, `${a} vs ${b}`).toEqual([]);
}

/** A page view like `template`, with a new identity and time. */
export function pageView(template: DemoEvent, time: Date, extra: Record<string, unknown> = {}): DemoEvent {
  const guid = randomUuid();
  return { ...template, guid, time, datajson: { ...(template.datajson as object), id: guid, time: time.toISOString(), ...extra } };
}

export function randomUuid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Environment for a child process that loads at most `n` events per load (poll.maxEventsPerLoad ≥ poll.maxEvents). */
export function windowEnv(n: number): Record<string, string> {
  return { RSETL_POLL_MAXEVENTS: String(n), RSETL_POLL_MAXEVENTSPERLOAD: String(n) };
}

export const typeOf = (e: DemoEvent) => (e.datajson as { eventType: string }).eventType;
