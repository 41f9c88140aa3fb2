// The fast path of the stand-in's COPY: NDJSON lines into PostgreSQL COPY text rows, without a
// server. What it cannot reproduce exactly it must refuse (NotFastPath), never guess.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CopyFromS3 } from '../../src/localstack/redshift-standin/copy-command.js';
import type { CopyTarget, TargetColumn } from '../../src/localstack/redshift-standin/copy-target.js';
import { NotFastPath, TextRowEncoder, fastPathRefusal, textRows } from '../../src/localstack/redshift-standin/copy-text-rows.js';

const column = (name: string, typname: string, extra: Partial<TargetColumn> = {}): TargetColumn => ({
  name, type: typname, typname, byteLimit: null, notNull: false, identityAlways: false, ...extra,
});

const target = (columns: TargetColumn[]): CopyTarget => ({ oid: 1, relname: 't', qualified: 'public.t', relkind: 'r', hasRules: false, columns });

const command = (options: Partial<CopyFromS3> = {}): CopyFromS3 => ({
  tableSql: 't', source: 's3://b/k', manifest: false, gzip: false, ignoreCase: false, emptyAsNull: false, blanksAsNull: false, notHonoured: [], ...options,
});

const EVENTS = target([
  column('id', 'int8', { notNull: true }),
  column('kind', 'varchar', { byteLimit: 10 }),
  column('at', 'timestamp'),
  column('score', 'numeric'),
  column('ok', 'bool'),
]);

function encode(lines: string[], t = EVENTS, cmd = command()): string {
  const e = new TextRowEncoder(t, cmd);
  for (const l of lines) {
    const b = Buffer.from(l);
    e.line(b, 0, b.length);
  }
  return e.take(0)?.toString('utf8') ?? '';
}

describe('NDJSON line to COPY text row', () => {
  it('writes the columns in table order: missing and null keys as \\N, unknown keys ignored', () => {
    expect(encode([
      '{"id":1,"kind":"click","at":"2025-01-02 03:04:05.678","score":1.50,"ok":true}',
      '{"ok":false,"extra":"x","score":-0.25,"id":2}',
      '{"id":3,"kind":null,"nested":{"a":[1,2,{"b":"c\\"d"}],"e":-0.0},"list":[ ]}',
      '  { "id" : 4 ,\t"kind" : "x" }\r',
      '{"id":5,"id":6}',
    ])).toBe([
      '1\tclick\t2025-01-02 03:04:05.678\t1.50\ttrue',
      '2\t\\N\t\\N\t-0.25\tfalse',
      '3\t\\N\t\\N\t\\N\t\\N',
      '4\tx\t\\N\t\\N\t\\N',
      '6\t\\N\t\\N\t\\N\t\\N',
      '',
    ].join('\n'));
  });

  it('unescapes JSON strings and escapes what COPY text treats specially', () => {
    const t = target([column('s', 'varchar')]);
    const out = encode([
      String.raw`{"s":"a\"b\\c\/d"}`,
      String.raw`{"s":"tab\tnl\ncr\rbs\bff\f"}`,
      String.raw`{"s":"\u00e9\u20ac\u005c\u000a\u0041"}`,
      '{"s":"raw ünïcødé 日本 🎉"}',
      '{"s":"\\\\N"}',
    ], t);
    expect(out.split('\n')).toEqual([
      'a"b\\\\c/d',
      'tab\\tnl\\ncr\\rbs\\bff\\f',
      'é€\\\\\\nA',
      'raw ünïcødé 日本 🎉',
      '\\\\N',
      '',
    ]);
  });

  it('counts VARCHAR lengths in bytes, after unescaping', () => {
    const t = target([column('s', 'varchar', { byteLimit: 10 })]);
    expect(encode(['{"s":"日本語a"}', String.raw`{"s":"\u65e5\u672c\u8a9ea"}`, '{"s":1234567890}'], t)).toBe('日本語a\n日本語a\n1234567890\n');
    expect(() => encode(['{"s":"日本語中"}'], t)).toThrow(NotFastPath);
    expect(() => encode([String.raw`{"s":"\u65e5\u672c\u8a9e\u4e2d"}`], t)).toThrow(NotFastPath);
    expect(() => encode(['{"s":12345678901}'], t)).toThrow(NotFastPath);
  });

  it('applies EMPTYASNULL and BLANKSASNULL to string columns only', () => {
    const t = target([column('s', 'varchar'), column('n', 'int4')]);
    expect(encode(['{"s":"","n":1}', '{"s":"  ","n":2}'], t, command({ emptyAsNull: true }))).toBe('\\N\t1\n  \t2\n');
    expect(encode(['{"s":"","n":1}', '{"s":"  ","n":2}', String.raw`{"s":"\u0020"}`, String.raw`{"s":"\t"}`], t, command({ blanksAsNull: true })))
      .toBe('\\N\t1\n\\N\t2\n\\N\t\\N\n\\t\t\\N\n');
  });

  it("folds ASCII keys for 'auto ignorecase'", () => {
    const t = target([column('id', 'int8'), column('label', 'varchar')]);
    expect(encode(['{"ID":1,"Label":"x"}', '{"id":2,"LABEL":"y"}'], t, command({ ignoreCase: true }))).toBe('1\tx\n2\ty\n');
    expect(encode(['{"ID":1}'], t)).toBe('\\N\t\\N\n');
    expect(() => encode(['{"ID":1,"id":2}'], t, command({ ignoreCase: true }))).toThrow(NotFastPath);
    expect(() => encode(['{"İD":1}'], t, command({ ignoreCase: true }))).toThrow(NotFastPath);
  });

  it('skips blank lines', () => {
    expect(encode(['', '   ', '\t\r', '{"id":1}'])).toBe('1\t\\N\t\\N\t\\N\t\\N\n');
  });

  it.each([
    ['a nested value for a column', '{"id":1,"kind":{"a":1}}'],
    ['an array for a column', '{"id":1,"kind":[1]}'],
    ['an exponent', '{"id":1e3}'],
    ['an exponent in a value no column takes', '{"id":1,"x":[1E3]}'],
    ['a negative zero', '{"id":1,"score":-0.00}'],
    ['\\u0000', String.raw`{"id":1,"kind":"a\u0000"}`],
    ['a lone surrogate', String.raw`{"id":1,"kind":"\ud800"}`],
    ['a surrogate pair', String.raw`{"id":1,"kind":"\ud83c\udf89"}`],
    ['an escaped key', String.raw`{"i\u0064":1}`],
    ['a raw control character in a string', '{"id":1,"kind":"a\u0001"}'],
    ['a non-object line', '[1]'],
    ['a string line', '"x"'],
    ['text after the object', '{"id":1} x'],
    ['a trailing comma', '{"id":1,}'],
    ['a leading zero', '{"id":01}'],
    ['a bare dot', '{"id":1.}'],
    ['a byte order mark', '\ufeff{"id":1}'],
    ['an unterminated string', '{"id":1,"kind":"abc'],
    ['a bad escape', String.raw`{"id":1,"kind":"\x"}`],
    ['NULL for a NOT NULL column', '{"kind":"x"}'],
    ['null for a NOT NULL column', '{"id":null}'],
    ['a value longer than its column', '{"id":1,"kind":"12345678901"}'],
    ['true longer than its column', '{"id":1,"kind":true}', target([column('id', 'int8'), column('kind', 'varchar', { byteLimit: 3 })])],
  ])('leaves %s to the exact path', (_, line, t = EVENTS) => {
    expect(() => encode([line], t)).toThrow(NotFastPath);
  });

  it('leaves targets with types, rules or identity columns it cannot mirror to the exact path', () => {
    expect(fastPathRefusal(EVENTS)).toBeUndefined();
    expect(fastPathRefusal(target([column('j', 'jsonb')]))).toMatch(/jsonb/);
    expect(fastPathRefusal(target([column('c', 'bpchar')]))).toMatch(/bpchar/);
    expect(fastPathRefusal(target([column('a', '_int4')]))).toMatch(/_int4/);
    expect(fastPathRefusal({ ...EVENTS, relkind: 'v' })).toMatch(/kind v/);
    expect(fastPathRefusal({ ...EVENTS, hasRules: true })).toMatch(/rules/);
    expect(fastPathRefusal(target([column('id', 'int8', { identityAlways: true })]))).toMatch(/identity/);
  });
});

describe('textRows', () => {
  async function rows(files: Record<string, Buffer[]>): Promise<{ text: string; rows: number; bytes: number }> {
    const stats = { rows: 0, bytes: 0 };
    const out: Buffer[] = [];
    const source = textRows(Object.keys(files), async (url) => Readable.from(files[url]!), new TextRowEncoder(EVENTS, command()), stats);
    for await (const b of source) out.push(b);
    return { text: Buffer.concat(out).toString('utf8'), ...stats };
  }

  it('splits lines across chunks and files, with or without a final newline', async () => {
    const line = (id: number) => `{"id":${id},"kind":"日本"}`;
    const one = Buffer.from(`${line(1)}\n${line(2)}\n\n${line(3)}`);
    // Split inside a multi-byte character and inside a line.
    const chunks = [one.subarray(0, 21), one.subarray(21, 30), one.subarray(30)];
    const r = await rows({ a: chunks, b: [Buffer.from(`${line(4)}\r\n`)] });
    expect(r.text).toBe([1, 2, 3, 4].map((i) => `${i}\t日本\t\\N\t\\N\t\\N\n`).join(''));
    expect(r.rows).toBe(4);
    expect(r.bytes).toBe(one.length + Buffer.byteLength(line(4)) + 2);
  });

  it('gives up on invalid UTF-8', async () => {
    await expect(rows({ a: [Buffer.concat([Buffer.from('{"id":1,"kind":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')])] })).rejects.toThrow(NotFastPath);
    await expect(rows({ a: [Buffer.concat([Buffer.from('{"id":1,"kind":"'), Buffer.from([0xff]), Buffer.from('"}')])] })).rejects.toThrow(NotFastPath);
  });

  it('yields large outputs in several chunks', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"id":${i},"kind":"k${i % 1000}","at":"2025-01-02 03:04:05"}\n`).join('');
    const r = await rows({ a: [Buffer.from(lines)] });
    expect(r.rows).toBe(20_000);
    expect(r.text.split('\n')).toHaveLength(20_001);
    expect(r.text.split('\n')[19_999]).toBe('19999\tk999\t2025-01-02 03:04:05\t\\N\t\\N');
  });
});
