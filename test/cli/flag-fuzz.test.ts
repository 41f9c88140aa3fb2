// No bad input reaches a database. Every value flag and argument of every command declares the
// kind of value it takes (src/cli/option-values.ts); this test walks the whole program, feeds each
// one values of its kind that must be refused — random strings and numbers, plus the edge cases
// of the kind — to a real `rsetl` process, and checks the outcome from the outside: exit 64 (78 for
// a config file), a message naming the flag, no stack trace, no secret, and not one change in the
// source's control schema or in Redshift. Seeded (RSETL_FUZZ_SEED) and bounded (RSETL_FUZZ_PER_FLAG).
import type { Argument, Command, Option } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { ValueKind } from '../../src/cli/option-values.js';
import { loadConfig } from '../../src/config/load.js';
import { configKeyPaths } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { createRandom } from '../../src/demo/random.js';
import { expectNoSecrets, startFaultEnv, type FaultEnv } from '../faults/harness.js';

const SEED = Number(process.env.RSETL_FUZZ_SEED ?? 20261203);
const PER_FLAG = Number(process.env.RSETL_FUZZ_PER_FLAG ?? 1);

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Random text: letters, digits, punctuation, spaces, accents and emoji; at least one character. */
function garbage(rng: Rng, length = 1 + Math.floor(rng() * 24)): string {
  const alphabet = ['a', 'Z', '7', ' ', '-', '_', '.', ';', "'", '"', '$', '%', '/', '\\', '*', '(', 'é', 'ß', '漢', '😀', '\t', '=', ','];
  let s = '';
  for (let i = 0; i < length; i++) s += pick(rng, alphabet);
  return s;
}

/** A random number that is not a plain whole number in range: signs, fractions, exponents, huge. */
function badNumber(rng: Rng, min: number, max: number): string {
  return pick(rng, [
    String(min - 1 - Math.floor(rng() * 1000)),
    String(max + 1 + Math.floor(rng() * 1e6)),
    `${Math.floor(rng() * 100)}.${1 + Math.floor(rng() * 9)}`,
    `${1 + Math.floor(rng() * 9)}e${1 + Math.floor(rng() * 5)}`,
    `0x${Math.floor(rng() * 255).toString(16)}`,
    '9'.repeat(20 + Math.floor(rng() * 10)),
    `${garbage(rng, 3)}${Math.floor(rng() * 100)}`,
    '',
  ]);
}

interface Fixtures {
  regularFile: string;
  directory: string;
}

/** Values each kind must refuse. */
function badValues(kind: ValueKind, rng: Rng, f: Fixtures): string[] {
  const random = () => garbage(rng);
  switch (kind.type) {
    case 'int':
      return [badNumber(rng, kind.min, kind.max), random() + 'x', badNumber(rng, kind.min, kind.max)];
    case 'id':
      return [badNumber(rng, 0, Number.MAX_SAFE_INTEGER), `-${1 + Math.floor(rng() * 99)}`, random() + 'x'];
    case 'time':
      return [random() + 'x', pick(rng, ['yesterday', '2026-13-01', '2026-02-30T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01 10:00:00+15:00', '12/02/2026']), new Date(Date.now() + 400 * 86_400_000).toISOString()];
    case 'bus':
      return [`${random()} ${random()}`, pick(rng, ['a;b', "o'neil", 'x.y', '1e3', '-1', 'é', '9'.repeat(11), 'a'.repeat(128)])];
    case 'name':
      return ['', 'a'.repeat(128), `x${String.fromCharCode(1 + Math.floor(rng() * 30))}y`, `a"${random()}`];
    case 'text':
      return ['', '   ', 'x'.repeat(kind.max + 1), `a${String.fromCharCode(1 + Math.floor(rng() * 8))}b`];
    case 'sql':
      return ['', '  \n ', '-- only a comment', '/* nothing */'];
    case 'choice':
      return [random(), `${kind.choices[0]}x`, kind.choices[0]!.toUpperCase()];
    case 'password':
      return ['Sh0rt', 'alllowercase1', 'NoDigitsHere', "Has'Quote1", 'Sp ace1Aa', random()];
    case 'aws':
      return [random() + ' ', pick(rng, ['UPPER', '-x', 'a--b', 'a b', 'x/y', '', 'us-east'])];
    case 'url':
      return [random(), pick(rng, ['http://h/db', 'mysql://h/db', 'postgres://', 'not a url'])];
    case 'path':
      switch (kind.use) {
        case 'config':
          return [join('/nonexistent', `rsetl-${Math.floor(rng() * 1e6)}.json`)];
        case 'out-dir':
        case 'out-file':
          return [`/proc/rsetl-fuzz-${Math.floor(rng() * 1e6)}/x`, join(f.regularFile, 'x'), ''];
        case 'in-dir':
          return [join('/nonexistent', garbage(rng).replace(/\//g, '')), f.regularFile, ''];
        case 'in-file':
          return [join('/nonexistent', `x${Math.floor(rng() * 1e6)}.sql`), f.directory, ''];
      }
  }
}

type Target = { kind: ValueKind | undefined; label: string; name: string };

/** The leaf commands, each with its value options and arguments. */
function commandsOf(program: Command): Array<{ path: string[]; cmd: Command }> {
  const out: Array<{ path: string[]; cmd: Command }> = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      if (sub.commands.length > 0) walk(sub, [...path, sub.name()]);
      else out.push({ path: [...path, sub.name()], cmd: sub });
    }
  };
  walk(program, []);
  return out;
}

const kindOf = (x: Option | Argument): ValueKind | undefined => (x.parseArg as unknown as { kind?: ValueKind } | undefined)?.kind;

/** Valid values for the parts of a command line that are not being fuzzed. */
const CONTEXT: Record<string, { args: string[]; opts: string[] }> = {
  'init-etl': { args: ['fuzz_new'], opts: ['--domain', '4242'] },
  'run-window': { args: [], opts: ['--bus', 'fuzzbus', '--dry-run'] },
  'dead-letter show': { args: ['fuzzbus'], opts: ['--id', '1'] },
  'upgrade-schema': { args: [], opts: ['--schema', 'fuzzbus', '--dry-run'] },
  'grant-readonly': { args: [], opts: ['--schema', 'fuzzbus', '--check'] },
  'setup-user': { args: [], opts: ['--user', 'fuzzuser', '--dry-run'] },
};
const busArgs = (path: string) => (['dead-letter list', 'dead-letter replay', 'bus pause', 'bus resume', 'bus pump', 'bus set', 'bus delete'].includes(path) ? ['fuzzbus'] : []);

let env: FaultEnv;
let dir: string;
let fixtures: Fixtures;

async function snapshot(): Promise<string> {
  const control = await env.t.source.query(
    `select (select json_agg(b order by id) from rsetl.bus b) as buses,
            (select count(*) from rsetl.dead_letter) as dead, (select count(*) from rsetl.audit) as audit, (select count(*) from rsetl.run) as runs`,
  );
  const schemas = await env.t.warehouse(`select string_agg(nspname, ',' order by nspname) as s from pg_namespace`);
  // Roles are cluster-wide and other test files make their own meanwhile: only this file's count.
  const users = await env.t.warehouse(`select string_agg(rolname, ',' order by rolname) as s from pg_roles where rolname like 'fuzz%'`);
  return JSON.stringify({ control: control.rows, schemas, users });
}

beforeAll(async () => {
  env = await startFaultEnv({ stream: [] });
  await env.newBus('fuzzbus', []);
  dir = await mkdtemp(join(tmpdir(), 'rsetl-fuzz-'));
  fixtures = { regularFile: join(dir, 'a-file'), directory: dir };
  await writeFile(fixtures.regularFile, 'x');
});
afterAll(async () => {
  await env?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('every flag of every command refuses bad values before anything changes', () => {
  it('declares what it accepts: every value flag and argument has a kind', () => {
    const missing: string[] = [];
    for (const { path, cmd } of commandsOf(buildProgram())) {
      for (const o of cmd.options) if ((o.required || o.optional) && !kindOf(o)) missing.push(`${path.join(' ')} ${o.long}`);
      for (const a of cmd.registeredArguments) if (!kindOf(a)) missing.push(`${path.join(' ')} <${a.name()}>`);
    }
    expect(missing).toEqual([]);
  });

  it(`random and edge values (seed ${SEED}, ${PER_FLAG} per flag): 64/78 with a message naming the flag, no stack trace, nothing changed`, { timeout: 600_000 }, async () => {
    const random = createRandom(SEED);
    const rng = () => random.next();
    const before = await snapshot();
    const cases: Array<{ argv: string[]; flag: string; expect: number }> = [];
    for (const { path, cmd } of commandsOf(buildProgram())) {
      const p = path.join(' ');
      const ctx = CONTEXT[p] ?? { args: busArgs(p), opts: [] };
      const targets: Target[] = [
        ...cmd.options.filter((o) => o.required || o.optional).map((o) => ({ kind: kindOf(o), label: o.long!, name: o.long! })),
        ...cmd.registeredArguments.map((a) => ({ kind: kindOf(a), label: `<${a.name()}>`, name: a.name() })),
      ];
      for (const t of targets) {
        if (!t.kind) continue; // reported by the test above
        const values = badValues(t.kind, rng, fixtures);
        for (let i = 0; i < PER_FLAG; i++) {
          const value = values[Math.floor(rng() * values.length)]!;
          const isArg = t.label.startsWith('<');
          const args = isArg ? ctx.args.map((a, j) => (j === cmd.registeredArguments.findIndex((x) => x.name() === t.name) ? value : a)) : ctx.args;
          const positional = isArg && args.length === 0 ? [value] : args;
          const opts = isArg ? ctx.opts : [...withoutFlag(ctx.opts, t.name), t.name, value];
          const config = t.name === '--config' ? [] : ['--config', env.configPath];
          // doctor reports a config file it cannot read as its first check (exit 1, on stdout).
          const expected = t.name !== '--config' ? 64 : p === 'doctor' ? 1 : 78;
          // A value that starts with "-" is read as an option: the message then names the value.
          const named = t.name === '--config' || (isArg && value.startsWith('-')) ? value : t.name;
          cases.push({ argv: [...path, ...positional, ...opts, ...config], flag: named, expect: expected });
        }
      }
      // A value given to a flag that takes none.
      const switches = cmd.options.filter((o) => !o.required && !o.optional && o.long !== '--help');
      if (switches.length > 0) {
        const s = pick(rng, switches);
        cases.push({ argv: [...path, ...(ctx.args.length ? ctx.args : busArgs(p)), ...ctx.opts, `${s.long}=${garbage(rng, 4)}`, '--config', env.configPath], flag: s.long!, expect: 64 });
      }
    }

    const failures: string[] = [];
    const started = Date.now();
    await runAll(cases, 3, async (c) => {
      const r = await env.cli(c.argv, { config: null, timeoutMs: 30_000 });
      const why = [
        r.status !== c.expect && `exit ${r.status} (signal ${r.signal}), expected ${c.expect}`,
        !/error:|FAIL/.test(r.stderr + r.stdout) && 'no error message',
        !(r.stderr + r.stdout).includes(c.flag) && `the message does not name ${c.flag}`,
        /\n\s+at .+:\d+:\d+/.test(r.stderr + r.stdout) && 'a stack trace',
      ].filter(Boolean);
      if (why.length) failures.push(`rsetl ${JSON.stringify(c.argv)}: ${why.join('; ')}\n${r.stderr.slice(0, 400)}`);
    });
    console.log(`flag fuzz: ${cases.length} processes in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(cases.length).toBeGreaterThan(60);
    expect(JSON.parse(await snapshot())).toEqual(JSON.parse(before));
    expectNoSecrets(env);
  });
});

describe('every configuration value is validated', () => {
  it('a random wrong value for any typed key is a configuration error (78) naming the key', async () => {
    const random = createRandom(SEED + 1);
    const rng = () => random.next();
    const file = join(dir, 'base.json');
    await writeFile(file, JSON.stringify(env.rawConfig()));
    const failures: string[] = [];
    let checked = 0;
    for (const key of configKeyPaths()) {
      const variable = `RSETL_${key.split('.').map((k) => k.toUpperCase()).join('_')}`;
      // Keys that take any text (a prefix, a password) have no wrong value; the rest must refuse these.
      const probe = await loadConfig({ path: file, env: { [variable]: `${garbage(rng, 5)}x` }, require: [] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(probe instanceof ConfigError) || !probe.message.includes(key)) continue;
      // Counts take plain numbers: "7" is fine for them, and for no other typed key.
      const numeric = await loadConfig({ path: file, env: { [variable]: '7' }, require: [] }).then(
        () => true,
        () => false,
      );
      for (let i = 0; i < 3; i++) {
        // Wrong for every typed key: garbage meets no format, and no count may be negative or infinite.
        const value = pick(rng, [`${garbage(rng)} X`, `-${1 + Math.floor(rng() * 1000)}`, ...(numeric ? ['1e999', `${garbage(rng, 3)}7`] : [])]);
        const e = await loadConfig({ path: file, env: { [variable]: value }, require: [] }).then(
          () => undefined,
          (x: unknown) => x,
        );
        checked++;
        if (!(e instanceof ConfigError) || exitCodeFor(e) !== 78 || !e.message.includes(key)) failures.push(`${key} = ${JSON.stringify(value)}: ${String(e)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });
});

function withoutFlag(opts: string[], flag: string): string[] {
  const i = opts.indexOf(flag);
  return i < 0 ? opts : [...opts.slice(0, i), ...opts.slice(i + 2)];
}

async function runAll<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
