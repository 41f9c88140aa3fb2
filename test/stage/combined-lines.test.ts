import { describe, expect, it } from 'vitest';
import { createCombiner } from '../../src/events/combine.js';
import { del, obfuscate, put, type RowOp } from '../../src/events/handler.js';
import { combinedLines, keyOpCounts } from '../../src/stage/combined-lines.js';
import { tagRow } from '../../src/events/event-origin.js';
import { grade, user } from '../events/rows.js';

function combined(events: RowOp[][]) {
  const c = createCombiner({ onAppend: () => undefined });
  events.forEach((ops, seq) => c.add(ops, seq));
  return c.result();
}

describe('combinedLines', () => {
  it('stages a table without key ops exactly as its columns', () => {
    const c = combined([[put('grade', tagRow(grade(7, 3), '101'))]]);
    const lines = [...combinedLines(c)];
    expect(lines).toEqual([
      {
        table: 'grade',
        line: '{"userid":1,"sectionid":2,"edgepath":"e1","assetid":7,"time":"2025-01-01 00:00:00.000","forcredit":true,"pointsawarded":3,"pointspossible":10,"percentage":30}\n',
        eventId: '101',
      },
    ]);
    expect(keyOpCounts(c).size).toBe(0);
  });

  it('puts the keys a load deletes into the same file, marked by rsetl_op, with no event in the shadow', () => {
    // A grade unset then put again in one load: staged both as a delete and as a put (combine.ts).
    const key = { userid: 1, sectionid: 2, edgepath: 'e1' };
    const c = combined([[put('grade', grade(7, 3))], [del('grade', key)], [put('grade', tagRow(grade(8, 5), '103'))]]);
    const lines = [...combinedLines(c)];
    expect(lines.map((l) => [l.table, JSON.parse(l.line).rsetl_op, JSON.parse(l.line).assetid, l.eventId])).toEqual([
      ['grade', 'p', 8, '103'],
      ['grade', 'd', null, ''],
    ]);
    expect(keyOpCounts(c).get('grade')).toEqual({ puts: 1, deletes: 1, obfuscations: 0 });
  });

  it('stages obfuscated users in the usr file', () => {
    const c = combined([[put('usr', user(1, 'a@x.edu'))], [obfuscate(2)]]);
    const lines = [...combinedLines(c)].map((l) => JSON.parse(l.line));
    expect(lines.map((l) => [l.id, l.rsetl_op, l.email])).toEqual([
      [1, 'p', 'a@x.edu'],
      [2, 'o', null],
    ]);
    expect(keyOpCounts(c).get('usr')).toEqual({ puts: 1, deletes: 0, obfuscations: 1 });
  });
});
