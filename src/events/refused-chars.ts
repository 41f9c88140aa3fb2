// Characters a transformed value may hold that Redshift will not load into a VARCHAR, found per
// event so the error names the event and its field instead of failing a COPY that names no event.
//
// Only NUL (U+0000) needs refusing here. COPY fails on it unless the COPY says `NULL AS '\0'`,
// which would load the whole value as NULL, silently. An outbox column of type `json` keeps a
// `\u0000` escape (jsonb refuses it), and JSON.parse turns it into a real NUL character.
// The other characters COPY refuses in a VARCHAR are invalid UTF-8 and characters longer than
// four bytes. A JavaScript string can only produce invalid UTF-8 from a lone surrogate (a JSON
// `\ud800` escape without its pair), and the row encoder writes those as U+FFFD, so they never
// reach the staged NDJSON; no character a JavaScript string holds needs more than four bytes.
// Noncharacters (U+FFFE, U+FDD0, ...) are valid UTF-8 and load as they are.
import { tableByName } from '../model/tables.js';
import type { RowOp } from './handler.js';

// Per table, a check of its VARCHAR columns (the only staged strings that come from event text:
// timestamps and dates are produced by rsetl), compiled once: one property read and one
// `includes` per column, the names spelled out, rather than a loop reading `row[name]` (a keyed
// read of a name only known at run time, slow on every row; bench/transform-micro.ts).
type NulCheck = (values: Record<string, unknown>) => string | null;
const nulChecks = new Map<string, NulCheck>();

function nulCheckOf(table: string): NulCheck {
  let check = nulChecks.get(table);
  if (check === undefined) {
    const columns = Object.entries(tableByName(table).columns)
      .filter(([, c]) => c.kind === 'varchar')
      .map(([name]) => name);
    const body = columns
      .map((c) => `  v = values[${JSON.stringify(c)}];\n  if (typeof v === 'string' && v.includes('\\0')) return ${JSON.stringify(`${table}.${c}`)};`)
      .join('\n');
    check = new Function('values', `let v;\n${body}\n  return null;`) as NulCheck;
    nulChecks.set(table, check);
  }
  return check;
}

/**
 * `table.column` of the first VARCHAR value of `ops` holding a NUL, or null. Runs for every handled
 * event, so it reads only the VARCHAR columns, one `includes` each (bench/transform-micro.ts).
 */
export function nulColumn(ops: readonly RowOp[]): string | null {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    // Puts and deletes are staged; obfuscate and generate keys are an id and a validated date.
    const values = (op.op === 'put' ? op.row : op.op === 'delete' ? op.key : null) as Record<string, unknown> | null;
    if (values === null) continue;
    const column = nulCheckOf(op.table)(values);
    if (column !== null) return column;
  }
  return null;
}

/**
 * The paths of the strings in `data` that hold a NUL, in document order. Runs only for an event
 * `nulColumn` refused, so it walks the whole event and need not be fast.
 */
export function nulPaths(data: unknown): PropertyKey[][] {
  const out: PropertyKey[][] = [];
  const walk = (v: unknown, path: PropertyKey[]) => {
    if (typeof v === 'string') {
      if (v.includes('\0')) out.push(path);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...path, i]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
    }
  };
  walk(data, []);
  return out;
}
