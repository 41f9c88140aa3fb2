// The compiled fast path of the handler schemas (src/events/fast-parse.ts) against zod itself: for
// every input, either both refuse, or both accept; then zod run on the fast path's output gives
// zod's output (members, their order, values: the fast path returns unconverted parts as they
// came, with any member the schema does not name), and the handler makes the same rows from both.
// Inputs: the demo stream's events of every handled type, and mutations of each member at every
// depth (removed, null, of another type, out of range, another timestamp form, an extra member).
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../src/demo/generator.js';
import { compileFastParser, REFUSED } from '../../src/events/fast-parse.js';
import { HANDLERS_BY_TYPE } from '../../src/events/registry.js';
import { ctx, transform } from './support.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Two events of each type the demo world produces, as the outbox read gives them (JSON text parsed). */
function samples(): Map<string, Json[]> {
  const byType = new Map<string, Json[]>();
  for (const e of generateDemoEvents({ seed: 7, users: 40, sections: 3, start: new Date('2025-01-06T00:00:00Z'), end: new Date('2025-01-20T00:00:00Z'), rootId: '1' })) {
    const data = JSON.parse(JSON.stringify(e.datajson)) as Json & { eventType: string };
    const list = byType.get(data.eventType) ?? [];
    if (list.length < 2) list.push(data);
    byType.set(data.eventType, list);
  }
  return byType;
}

const REPLACEMENTS: Json[] = [
  null, '', 'x', 0, -1, 1.5, 2 ** 53, -(2 ** 53), 2147483647, 2147483648, -2147483649, true, false, {}, [], [null], ['x'],
  '2025-03-14T15:09:26.535Z', '2025-03-14 15:09:26.535', '2025-03-14T15:09:26Z', '2025-03-14T15:09:26.535+02:00', '2025-02-30T00:00:00.000Z',
  1741964966535, 'not a time', { unnamed: 'x' },
];

/** Every input obtained by changing one member (or array element) of `data`, or adding one, at any depth. */
function* mutations(data: Json): Generator<Json> {
  const walk = function* (node: Json, rebuild: (v: Json | undefined) => Json): Generator<Json> {
    if (Array.isArray(node)) {
      // The first two elements and the last: enough for every element schema, and bounded.
      for (const i of new Set([0, 1, node.length - 1].filter((j) => j >= 0 && j < node.length))) {
        const at = (v: Json | undefined) => rebuild(v === undefined ? node.filter((_, j) => j !== i) : node.map((x, j) => (j === i ? v : x)));
        yield at(undefined);
        for (const r of REPLACEMENTS) yield at(r);
        yield* walk(node[i]!, at);
      }
    } else if (node !== null && typeof node === 'object') {
      // A member no schema names, at this depth (zod strips it; the fast path may keep it).
      yield rebuild({ ...node, unnamedMember: { deep: [1, 'x'] } });
      for (const k of Object.keys(node)) {
        const at = (v: Json | undefined) => {
          const copy: { [k: string]: Json } = { ...node };
          if (v === undefined) delete copy[k];
          else copy[k] = v;
          return rebuild(copy);
        };
        yield at(undefined);
        for (const r of REPLACEMENTS) yield at(r);
        yield* walk(node[k]!, at);
      }
    }
  };
  yield* walk(data, (v) => v as Json);
}

/** Deep equality that also tells a missing member from an undefined one and compares member order. */
function sameOutput(a: unknown, b: unknown): boolean {
  if (!isDeepStrictEqual(a, b)) return false;
  const order = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(order) : v !== null && typeof v === 'object' ? Object.entries(v).map(([k, x]) => [k, order(x)]) : v;
  return isDeepStrictEqual(order(a), order(b));
}

describe('fast-parse: compiled handler schemas', () => {
  const byType = samples();

  it('compiles the schema of every handled type', () => {
    const missing = [...HANDLERS_BY_TYPE.values()].filter((h) => compileFastParser(h.schema) === undefined).map((h) => h.type);
    expect(missing).toEqual([]);
  });

  it('the demo stream has events of most handled types', () => {
    expect(byType.size).toBeGreaterThanOrEqual(18);
  });

  it('gives zod’s output for the demo events, and refuses exactly what zod refuses for every mutation of them', () => {
    let accepted = 0;
    let refused = 0;
    for (const [type, events] of byType) {
      const handler = HANDLERS_BY_TYPE.get(type)!;
      const fast = compileFastParser(handler.schema)!;
      const check = (input: Json) => {
        const z = handler.schema.safeParse(input);
        const f = fast(input);
        if (!z.success) {
          if (f !== REFUSED) throw new Error(`${type}: fast path accepted what zod refuses: ${JSON.stringify(input).slice(0, 400)}`);
          refused++;
          return;
        }
        // A refusal of valid input would only cost speed; the subset in use should not need one.
        if (f === REFUSED) throw new Error(`${type}: fast path refused what zod accepts: ${JSON.stringify(input).slice(0, 400)}`);
        const projected = handler.schema.parse(f);
        if (!sameOutput(projected, z.data)) throw new Error(`${type}: outputs differ for ${JSON.stringify(input).slice(0, 400)}\nfast ${JSON.stringify(f)}\nzod  ${JSON.stringify(z.data)}`);
        if (!isDeepStrictEqual(handler.transform(f, ctx), handler.transform(z.data, ctx))) throw new Error(`${type}: rows differ for ${JSON.stringify(input).slice(0, 400)}`);
        accepted++;
      };
      for (const e of events) {
        check(e);
        for (const m of mutations(e)) check(m);
      }
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });

  it('never throws, and refuses what is not an object', () => {
    const fast = compileFastParser(HANDLERS_BY_TYPE.get('PageNavEvent')!.schema)!;
    for (const v of [null, undefined, 1, 'x', [], true]) expect(fast(v)).toBe(REFUSED);
  });

  it('an invalid event still gets zod’s wording through transformEvent', () => {
    const [pageNav] = byType.get('PageNavEvent')!;
    const bad = { ...(pageNav as object), sessionId: 'seven' };
    expect(() => transform(bad)).toThrow(/invalid PageNavEvent: sessionId: Invalid input: expected number, received string/);
  });
});
