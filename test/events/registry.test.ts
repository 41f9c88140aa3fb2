import { describe, expect, it } from 'vitest';
import { EventError } from '../../src/errors.js';
import { HANDLERS_BY_TYPE, IGNORED_EVENT_TYPES } from '../../src/events/registry.js';
import { transform } from './support.js';

function errorOf(datajson: unknown, row: Parameters<typeof transform>[1] = {}): EventError {
  try {
    transform(datajson, row);
  } catch (e) {
    expect(e).toBeInstanceOf(EventError);
    return e as EventError;
  }
  throw new Error('expected an EventError');
}

const nav = {
  eventType: 'PageNavEvent',
  id: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
  time: '2025-03-14T15:11:45.900Z',
  source: 'lms.example.edu',
  sessionId: 99887766,
  user: { id: 51234 },
  url: 'https://lms.example.edu/',
};

describe('transformEvent', () => {
  it('registers the twenty-two handled types and the twenty ignored ones, disjoint', () => {
    expect([...HANDLERS_BY_TYPE.keys()].sort()).toEqual([
      'AttemptPutEvent1',
      'DiscussionPostPutEvent1',
      'EnrollmentCreateEvent2',
      'EnrollmentDeleteEvent1',
      'EnrollmentUpdateEvent2',
      'GradePutEvent1',
      'GradeUnsetEvent',
      'InstructorSnapshotDayCreateEvent1',
      'PageNavEvent',
      'ProgressPutEvent2',
      'PublishContentEvent1',
      'QnaThreadPutEvent1',
      'SectionCreateEvent2',
      'SectionDeleteEvent1',
      'SectionEntryEvent1',
      'SectionUpdateEvent2',
      'SessionEvent',
      'SurveySubmissionEvent1',
      'SurveySubmissionEvent2',
      'TimeSpentEvent2',
      'TutorialViewEvent1',
      'UserObfuscateEvent1',
    ]);
    expect(IGNORED_EVENT_TYPES.size).toBe(20);
    for (const t of HANDLERS_BY_TYPE.keys()) expect(IGNORED_EVENT_TYPES.has(t)).toBe(false);
  });

  it('returns ignored types with no ops', () => {
    expect(transform({ eventType: 'CourseEntryEvent', whatever: [1, 2] })).toEqual({ eventType: 'CourseEntryEvent', status: 'ignored', ops: [] });
  });

  it('returns unknown types with no ops, however odd their other members', () => {
    expect(transform({ eventType: 'HologramEvent9', sessionId: 'not-a-number' })).toEqual({ eventType: 'HologramEvent9', status: 'unknown', ops: [] });
  });

  it('names the event and the missing field when a required field is absent', () => {
    const { url: _url, ...noUrl } = nav;
    const e = errorOf(noUrl, { id: '700042', guid: nav.id, time: '2025-03-14T15:11:45.900Z' });
    expect(e.message).toContain('event 700042');
    expect(e.message).toContain('PageNavEvent');
    expect(e.message).toContain(`guid ${nav.id}`);
    expect(e.message).toContain('2025-03-14T15:11:45.900Z');
    expect(e.message).toContain('url: Invalid input: expected string, received undefined');
    expect(e.event).toEqual({ id: '700042', guid: nav.id, time: '2025-03-14T15:11:45.900Z', type: 'PageNavEvent' });
    expect(e.hint).toMatch(/unblock/);
  });

  it('names nested paths and wrong types', () => {
    const e = errorOf({ ...nav, user: { id: '51234' }, time: 'last tuesday' });
    expect(e.message).toContain('user.id: Invalid input: expected number, received string');
    expect(e.message).toContain('time: not an ISO-8601 timestamp: "last tuesday"');
  });

  it('names an array element of a section content', () => {
    const e = errorOf({
      eventType: 'SectionCreateEvent2',
      id: 'a',
      time: '2025-01-01T00:00:00.000Z',
      section: { id: 1, name: 'S' },
      contents: [{ assetId: 1, edgePath: '_root_' }, { assetId: 2 }],
    });
    expect(e.message).toContain('contents[1].edgePath: Invalid input: expected string, received undefined');
  });

  it('refuses ids that JSON cannot carry exactly', () => {
    const e = errorOf({ ...nav, sessionId: 2 ** 60 });
    expect(e.message).toContain('sessionId');
  });

  it('throws when datajson is not an object', () => {
    expect(errorOf(null).message).toContain('datajson is not a JSON object (got null)');
    expect(errorOf([nav]).message).toContain('got an array');
    expect(errorOf('{"eventType":"PageNavEvent"}').message).toContain('got a string');
  });

  it('throws when eventType is missing or not a string', () => {
    expect(errorOf({ id: 'x' }).message).toContain('eventType: Invalid input: expected string, received undefined');
    expect(errorOf({ eventType: 7 }).message).toContain('eventType');
  });
});
