// The row encoder is generated code with a quoting fast path; these pin its bytes to the plain
// definition: JSON.stringify of each value, VARCHARs made well-formed then cut to their bytes.
import { describe, expect, it } from 'vitest';
import { int8, timestamp, varchar, type ColumnDef } from '../../src/model/columns.js';
import { TABLE_DEFS, tableByName } from '../../src/model/tables.js';
import { rowEncoder, truncateUtf8 } from '../../src/stage/row-encoder.js';

/** The encoding by definition, one column at a time. */
function reference(columns: Record<string, ColumnDef>, row: Record<string, unknown>): string {
  const parts = Object.entries(columns).map(([name, c]) => {
    const v = row[name];
    let json: string;
    if (v === null || v === undefined) json = 'null';
    else if (c.kind === 'boolean') json = v ? 'true' : 'false';
    else if (c.kind === 'varchar') json = JSON.stringify(truncateUtf8(String(v).toWellFormed(), c.length ?? 65535));
    else if (c.kind === 'timestamp' || c.kind === 'date') json = JSON.stringify(String(v));
    else {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${name}: not a finite number: ${String(v)}`);
      json = String(v);
    }
    return `${JSON.stringify(name)}:${json}`;
  });
  return `{${parts.join(',')}}\n`;
}

const strings = [
  '',
  'plain ascii',
  'quote " and backslash \\',
  'newline\nand tab\t and \u0000 and \u001f',
  '\u007f and \u2028 \u2029 (not escaped by JSON.stringify)',
  'Español — Chloé Wójcik €',
  'emoji 😀 pair',
  'lone high \ud800 surrogate',
  'lone low \udc00 surrogate',
  '\ud83d',
  '€'.repeat(100),
  'é'.repeat(600),
  `${'a'.repeat(254)}€`,
  `${'a'.repeat(253)}😀`,
  `${'a'.repeat(254)}"`,
  `${'a'.repeat(1000)}\ud800`,
];

describe('rowEncoder', () => {
  it('writes the bytes of the definition for every table and tricky strings', () => {
    for (const t of TABLE_DEFS) {
      const enc = rowEncoder(t.columns);
      strings.forEach((s, k) => {
        const row: Record<string, unknown> = {};
        Object.entries(t.columns).forEach(([name, c], i) => {
          if ((i + k) % 5 === 0) row[name] = null;
          else if (c.kind === 'varchar' || c.kind === 'timestamp' || c.kind === 'date') row[name] = strings[(i + k) % strings.length];
          else if (c.kind === 'boolean') row[name] = (i + k) % 2 === 0;
          else row[name] = (i * 7919 + k) / ((i + k) % 3 === 0 ? 4 : 1);
        });
        expect(enc(row), `${t.name} #${k}`).toBe(reference(t.columns, row));
      });
    }
  });

  it('encodes non-string values of string columns as their String()', () => {
    const cols = { a: varchar(255), t: timestamp() };
    const row = { a: 12345, t: 1741964966535 };
    expect(rowEncoder(cols)(row)).toBe(reference(cols, row));
    expect(rowEncoder(cols)(row)).toBe('{"a":"12345","t":"1741964966535"}\n');
  });

  it('treats absent and undefined as null, and writes every column in model order', () => {
    const cols = tableByName('sectionentry').columns;
    expect(rowEncoder(cols)({ role: 'x', userid: 1 })).toBe(
      '{"userid":1,"sectionid":null,"time":null,"sessionid":null,"role":"x","originsectionid":null}\n',
    );
  });

  it('names the first non-finite column, in column order', () => {
    const cols = tableByName('sectionentry').columns;
    expect(() => rowEncoder(cols)({ userid: 1, sectionid: Number.POSITIVE_INFINITY, sessionid: Number.NaN })).toThrow(
      new TypeError('sectionid: not a finite number: Infinity'),
    );
    expect(() => rowEncoder(cols)({ userid: '7' })).toThrow('userid: not a finite number: 7');
  });

  it('keeps column names that would need escaping in generated code literal', () => {
    const odd = { 'a"b': int8().nn, "c'd\\e\n`${x}`": varchar(255) };
    const row = { 'a"b': 1, "c'd\\e\n`${x}`": 'v' };
    expect(rowEncoder(odd)(row)).toBe(reference(odd, row));
    expect(JSON.parse(rowEncoder(odd)(row))).toEqual(row);
  });

  it('encodes a column subset and an empty column set', () => {
    const grade = tableByName('grade');
    const key = { userid: grade.columns.userid!, sectionid: grade.columns.sectionid!, edgepath: grade.columns.edgepath! };
    expect(rowEncoder(key)({ userid: 1, sectionid: 2, edgepath: 'e', assetid: 9 })).toBe('{"userid":1,"sectionid":2,"edgepath":"e"}\n');
    expect(rowEncoder({})({ a: 1 })).toBe('}\n');
  });
});
