// A fast path for the handlers' zod schemas. zod v4 parses an object by calling each member's
// schema with a fresh `{ value, issues: [] }` payload, two small objects per member and per wrapper
// (`.nullish()` is two wrappers), which made validation the largest single cost of a load's CPU
// (the bench's CPU profile). The event schemas use a small subset of zod — objects, strings (with
// `.min(1)`), numbers (`z.int()`, `.min`/`.max`), booleans, arrays, `.nullish()` and the
// `instant` union of shapes.ts — so each handler's schema is compiled, once, into one plain
// function that checks an event the way zod would and builds only what differs from the input.
//
// The compiled function either returns what `schema.safeParse(data).data` would, or REFUSED. Where a
// part of the schema converts a value (an `instant`, at any depth below it), that part is copied
// member by member as zod does (the same members, in the same order, with the converted values);
// a part that converts nothing (a `user`, a progress `values` array) is checked and returned as it
// came, without the copy zod makes: the same members with the same values, plus any member the
// schema does not name. Handlers read only the members their schema names (none spreads or lists
// a parsed object), so their rows are the same either way; zod run again on the fast path's output
// gives zod's own output exactly (test/events/fast-parse.test.ts checks both). It refuses whatever it is not sure
// zod accepts, so a refusal only means "ask zod": transformEvent then parses with zod, which accepts
// the event or words the error. A schema using anything outside the subset gets no fast path at all
// (compileFastParser returns undefined) and zod parses every event of its type, as before.
// test/events/fast-parse.test.ts holds the two to the same results on the demo stream's events and
// on thousands of mutations of them (members removed, nulled, of the wrong type, out of range).
import type { z } from 'zod';
import { instant } from './shapes.js';
import { assertInstant, redshiftTimestamp } from './values.js';

/** What a fast parser returns for an input it leaves to zod. */
export const REFUSED: unique symbol = Symbol('rsetl.fastParse.refused');

export type FastParser = (data: unknown) => unknown;

/** zod's internals as far as the compiler reads them (zod/v4/core `$ZodType._zod`). */
interface ZodInternals {
  def: {
    type: string;
    checks?: Array<{ _zod: { def: Record<string, unknown> } }>;
    coerce?: boolean;
    format?: string;
    shape?: Record<string, z.ZodType>;
    catchall?: unknown;
    innerType?: z.ZodType;
    element?: z.ZodType;
  };
  optin?: string;
  optout?: string;
}

const internals = (s: z.ZodType) => (s as unknown as { _zod: ZodInternals })._zod;

/** Whether parsing with `s` changes a value somewhere (an `instant` at any depth): such parts are copied. */
function converts(s: z.ZodType): boolean {
  if (s === (instant as z.ZodType)) return true;
  const def = internals(s).def;
  switch (def.type) {
    case 'object':
      return Object.values(def.shape ?? {}).some(converts);
    case 'array':
      return converts(def.element!);
    case 'optional':
    case 'nullable':
      return converts(def.innerType!);
    default:
      return false;
  }
}

/** Thrown while compiling: the schema uses something the fast path does not reproduce. */
class Unsupported extends Error {}

/**
 * The fast parser of a schema, or undefined when the schema uses something outside the subset.
 * The function it returns never throws: any exception inside it counts as a refusal.
 */
export function compileFastParser(schema: z.ZodType): FastParser | undefined {
  let body: string;
  const lines: string[] = [];
  let n = 0;
  const fresh = (prefix: string) => `${prefix}${n++}`;

  /** Appends code checking `input` (a variable) against `s`; returns the expression of its output. */
  const gen = (s: z.ZodType, input: string, indent: string): string => {
    if (s === (instant as z.ZodType)) {
      const out = fresh('t');
      lines.push(
        `${indent}if (typeof ${input} !== 'string' && (typeof ${input} !== 'number' || !Number.isFinite(${input}))) return REFUSED;`,
        `${indent}assertInstant(${input});`,
        `${indent}const ${out} = redshiftTimestamp(${input});`,
      );
      return out;
    }
    const z = internals(s);
    const def = z.def;
    const checks = (def.checks ?? []).map((c) => c._zod.def);
    if (def.coerce) throw new Unsupported('coerce');
    switch (def.type) {
      case 'string': {
        let cond = `typeof ${input} !== 'string'`;
        for (const c of checks) {
          // zod counts code points for min_length; with a minimum of 1 that is the same as length. (Its
          // `when` only skips the check for a value without a length, which a string never is.)
          if (c.check === 'min_length' && typeof c.minimum === 'number' && c.minimum <= 1) cond += ` || ${input}.length < ${c.minimum}`;
          else throw new Unsupported(`string check ${String(c.check)}`);
        }
        lines.push(`${indent}if (${cond}) return REFUSED;`);
        return input;
      }
      case 'number': {
        let cond = `typeof ${input} !== 'number' || !Number.isFinite(${input})`;
        if (def.format === 'safeint') cond += ` || !Number.isSafeInteger(${input})`;
        else if (def.format !== undefined) throw new Unsupported(`number format ${def.format}`);
        for (const c of checks) {
          const v = c.value;
          if (typeof v !== 'number' || !Number.isFinite(v) || c.when) throw new Unsupported('number bound');
          if (c.check === 'greater_than') cond += ` || !(${input} ${c.inclusive ? '>=' : '>'} ${v})`;
          else if (c.check === 'less_than') cond += ` || !(${input} ${c.inclusive ? '<=' : '<'} ${v})`;
          else throw new Unsupported(`number check ${String(c.check)}`);
        }
        lines.push(`${indent}if (${cond}) return REFUSED;`);
        return input;
      }
      case 'boolean': {
        if (checks.length) throw new Unsupported('boolean checks');
        lines.push(`${indent}if (typeof ${input} !== 'boolean') return REFUSED;`);
        return input;
      }
      case 'optional':
      case 'nullable': {
        if (checks.length) throw new Unsupported(`${def.type} checks`);
        const inner = def.innerType!;
        // Only the `.optional()` that lets absence through (not one over a default).
        if (def.type === 'optional' && internals(inner).optin === 'defaulted') throw new Unsupported('defaulted');
        const empty = def.type === 'optional' ? 'undefined' : 'null';
        const out = fresh('o');
        lines.push(`${indent}let ${out} = ${empty};`, `${indent}if (${input} !== ${empty}) {`);
        const v = gen(inner, input, indent + '  ');
        lines.push(`${indent}  ${out} = ${v};`, `${indent}}`);
        return out;
      }
      case 'array': {
        if (checks.length) throw new Unsupported('array checks');
        if (!converts(def.element!)) {
          // Checked in place: nothing in it changes, so the input array is the output.
          const i = fresh('i');
          const item = fresh('e');
          lines.push(
            `${indent}if (!Array.isArray(${input})) return REFUSED;`,
            `${indent}for (let ${i} = 0; ${i} < ${input}.length; ${i}++) {`,
            `${indent}  const ${item} = ${input}[${i}];`,
          );
          gen(def.element!, item, indent + '  ');
          lines.push(`${indent}}`);
          return input;
        }
        const out = fresh('a');
        const i = fresh('i');
        const item = fresh('e');
        lines.push(
          `${indent}if (!Array.isArray(${input})) return REFUSED;`,
          `${indent}const ${out} = new Array(${input}.length);`,
          `${indent}for (let ${i} = 0; ${i} < ${input}.length; ${i}++) {`,
          `${indent}  const ${item} = ${input}[${i}];`,
        );
        const v = gen(def.element!, item, indent + '  ');
        lines.push(`${indent}  ${out}[${i}] = ${v};`, `${indent}}`);
        return out;
      }
      case 'object': {
        if (checks.length) throw new Unsupported('object checks');
        if (def.catchall !== undefined) throw new Unsupported('catchall');
        // Nothing below converts: checked in place, the input object is the output.
        const copy = converts(s);
        const out = copy ? fresh('r') : input;
        lines.push(`${indent}if (typeof ${input} !== 'object' || ${input} === null || Array.isArray(${input})) return REFUSED;`);
        if (copy) lines.push(`${indent}const ${out} = {};`);
        for (const [key, member] of Object.entries(def.shape ?? {})) {
          if (key === '__proto__') throw new Unsupported('__proto__ member');
          const k = JSON.stringify(key);
          const m = internals(member);
          const value = fresh('v');
          lines.push(`${indent}const ${value} = ${input}[${k}];`);
          const v = gen(member, value, indent);
          if (m.optin === undefined) {
            // Required: an absent member fails (zod's `nonoptional`), a present one is copied.
            lines.push(`${indent}if (!(${k} in ${input})) return REFUSED;`);
            if (copy) lines.push(`${indent}${out}[${k}] = ${v};`);
          } else if (m.optin === 'optional' && m.optout === 'optional') {
            // zod copies an optional member only when the key is there (`key in input`).
            if (copy) lines.push(`${indent}if (${k} in ${input}) ${out}[${k}] = ${v};`);
          } else {
            throw new Unsupported(`member optin ${m.optin}/${m.optout}`);
          }
        }
        return out;
      }
      default:
        throw new Unsupported(def.type);
    }
  };

  try {
    const result = gen(schema, 'data', '    ');
    body = `return function fastParse(data) {\n  try {\n${lines.join('\n')}\n    return ${result};\n  } catch {\n    return REFUSED;\n  }\n};`;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  const make = new Function('REFUSED', 'assertInstant', 'redshiftTimestamp', body) as (
    r: typeof REFUSED,
    a: typeof assertInstant,
    t: typeof redshiftTimestamp,
  ) => FastParser;
  return make(REFUSED, assertInstant, redshiftTimestamp);
}
