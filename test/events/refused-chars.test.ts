import { describe, expect, it } from 'vitest';
import { EventError } from '../../src/errors.js';
import { tableByName } from '../../src/model/tables.js';
import { rowEncoder } from '../../src/stage/row-encoder.js';
import { opsOf, transform } from './support.js';

const nav = {
  eventType: 'PageNavEvent',
  id: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
  time: '2025-03-14T15:11:45.900Z',
  source: 'lms.example.edu',
  sessionId: 99887766,
  user: { id: 51234, externalId: 'u-51234' },
  url: 'https://lms.example.edu/',
  title: 'Week 1',
};

const survey = {
  eventType: 'SurveySubmissionEvent1',
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  time: '2025-03-20T18:02:03.004Z',
  userId: 51234,
  sectionId: 3012,
  attemptId: 'f0e1d2c3-b4a5-4697-8877-665544332211',
  contentAssetId: 91020,
  contentEdgePath: 'ffeeddccbbaa99887766554433221100',
  responses: [
    { questionAssetId: 91021, response: 'Strongly agree' },
    { questionAssetId: 91022, response: 'no\u0000pe' },
  ],
};

const row = { id: '700042', guid: 'c0ffee00-0000-4000-8000-000000000042', time: '2025-03-14 15:11:46.000' };

function errorOf(datajson: unknown): EventError {
  try {
    transform(datajson, row);
  } catch (e) {
    expect(e).toBeInstanceOf(EventError);
    return e as EventError;
  }
  throw new Error('expected an EventError');
}

describe('a NUL (U+0000) in a string rsetl stages', () => {
  it('is an EventError naming the event (id, guid, time, type) and the field', () => {
    const e = errorOf({ ...nav, title: 'Week\u00001' });
    expect(e.event).toEqual({ id: row.id, guid: row.guid, time: row.time, type: 'PageNavEvent' });
    for (const part of [row.id, row.guid, row.time, 'PageNavEvent', 'title:', 'U+0000', 'pagenavevent.pagetitle']) expect(e.message).toContain(part);
    expect(e.hint).toContain('rsetl unblock --skip');
  });

  it('names a nested member and an array member by their path', () => {
    expect(errorOf({ ...nav, user: { id: 51234, externalId: '\u0000' } }).message).toContain('user.externalId: ');
    const e = errorOf(survey);
    expect(e.message).toContain('responses[1].response: ');
    expect(e.message).toContain('surveyquestionresponse.response');
  });

  it('leaves no NUL in the error itself, which is stored as jsonb (PostgreSQL refuses U+0000 there)', () => {
    const e = errorOf({ ...nav, url: '\u0000', ['odd\u0000key']: 'x\u0000' });
    // A \u0000 escape in the JSON text is a NUL; an escaped backslash before `u0000` is not.
    expect(JSON.stringify(e.toJSON()).replaceAll('\\\\', '')).not.toContain('\\u0000');
    expect(e.message).toContain('url');
    expect(e.message).toContain('odd\\u0000key');
  });

  it('is refused at the end of a string longer than its column too (the cut would come after the check)', () => {
    expect(errorOf({ ...nav, title: `${'x'.repeat(5000)}\u0000` }).message).toContain('title');
  });

  it('does not matter in a member rsetl does not load', () => {
    const ops = opsOf({ ...nav, clientTime: '\u0000', impersonatedUserId: 'a\u0000b' });
    expect(ops).toHaveLength(1);
  });

  it('counts an unknown type whose name holds a NUL, with the NUL spelled out', () => {
    const r = transform({ eventType: 'Odd\u0000Event', title: '\u0000' });
    expect(r).toEqual({ eventType: 'Odd\\u0000Event', status: 'unknown', ops: [] });
  });
});

describe('other characters COPY accepts in a VARCHAR', () => {
  it('passes control characters, noncharacters and characters of four UTF-8 bytes through', () => {
    const title = '\u0001\t\n\u001f\u007f\uffff\ufffe\ufdd0😀';
    const [op] = opsOf({ ...nav, title });
    expect(op).toMatchObject({ table: 'pagenavevent', op: 'put', row: { pagetitle: title } });
  });

  it('stages a lone surrogate (an unpaired \\ud800 escape in the outbox) as U+FFFD, never as invalid UTF-8', () => {
    const datajson = JSON.parse('{"title": "a\\ud800b", "url": "x\\udc00"}') as object;
    const [op] = opsOf({ ...nav, ...datajson });
    if (op?.op !== 'put') throw new Error('expected a put');
    const line = rowEncoder(tableByName('pagenavevent').columns)(op.row as Record<string, unknown>);
    expect(line).not.toMatch(/\\ud[89a-f]/i);
    const parsed = JSON.parse(line) as Record<string, string>;
    expect(parsed.pagetitle).toBe('a\ufffdb');
    expect(parsed.url).toBe('x\ufffd');
    expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line);
  });
});
