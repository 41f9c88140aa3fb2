import { describe, expect, it } from 'vitest';
import { generateDemoEvents, type DemoEvent } from '../../src/demo/generator.js';
import { createCombiner } from '../../src/events/combine.js';
import { HANDLERS_BY_TYPE } from '../../src/events/registry.js';
import { transformEvent } from '../../src/events/registry.js';
import { TABLES, type TableName } from '../../src/model/tables.js';

const start = new Date('2025-01-06T00:00:00.000Z');
const end = new Date('2025-03-31T00:00:00.000Z');
const events: DemoEvent[] = [...generateDemoEvents({ start, end })];
const json = (e: DemoEvent) => e.datajson as Record<string, any>;
const ofType = (type: string) => events.filter((e) => json(e).eventType === type).map(json);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('generateDemoEvents', () => {
  it('yields between 10,000 and 20,000 events by default', () => {
    expect(events.length).toBeGreaterThanOrEqual(10_000);
    expect(events.length).toBeLessThanOrEqual(20_000);
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const again = [...generateDemoEvents({ start, end })];
    expect(again).toEqual(events);
    const other = generateDemoEvents({ start, end, seed: 2 }).next().value as DemoEvent;
    expect(other.guid).not.toBe(events[0]?.guid);
  });

  it('yields events in non-decreasing time order between start and end', () => {
    let last = start.getTime();
    for (const e of events) {
      expect(e.time.getTime()).toBeGreaterThanOrEqual(last);
      last = e.time.getTime();
      expect(json(e).time).toBe(e.time.toISOString());
      expect(e.guid).toBe(json(e).id);
      expect(e.rootId).toBe('1');
    }
    expect(last).toBeLessThanOrEqual(end.getTime());
  });

  it('uses all twenty-two handled types and only those, each accepted by transformEvent, and fills every table', () => {
    const counts = new Map<string, number>();
    for (const e of events) counts.set(json(e).eventType, (counts.get(json(e).eventType) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...HANDLERS_BY_TYPE.keys()].sort());
    expect(counts.size).toBe(22);
    for (const [type, n] of counts) expect(n, type).toBeGreaterThan(0);

    const appended = new Map<TableName, number>();
    const combiner = createCombiner({ onAppend: (t) => appended.set(t, (appended.get(t) ?? 0) + 1) });
    events.forEach((e, i) => {
      // Through JSON, as the jsonb column gives it back.
      const r = transformEvent({ id: String(1000 + i), guid: e.guid, time: e.time.toISOString(), datajson: JSON.parse(JSON.stringify(e.datajson)) }, { loadTime: '2025-04-01 00:00:00.000' });
      expect(r.status).toBe('handled');
      combiner.add(r.ops, i);
    });
    const { puts, deletes, obfuscations, snapshotDays } = combiner.result();
    expect(puts.get('section')).toHaveLength(5); // six created, the sandbox deleted
    expect(deletes.get('section')).toHaveLength(1);
    expect(puts.get('usr')).toHaveLength(300);
    expect(puts.get('sectioncontent')!.length).toBeGreaterThan(100);
    expect(deletes.get('enrollment')!.length).toBeGreaterThan(0);
    expect(deletes.get('grade')!.length).toBeGreaterThan(0);
    expect(obfuscations).toEqual([{ id: ofType('UserObfuscateEvent1')[0]!.userId }]);
    expect(snapshotDays).toHaveLength(ofType('InstructorSnapshotDayCreateEvent1').length);
    expect(appended.get('pagenavevent')).toBe(ofType('PageNavEvent').length);
    expect(appended.get('sessionevent')).toBe(ofType('SessionEvent').length);
    expect(appended.get('sectionentry')).toBe(ofType('SectionEntryEvent1').length);
    expect(appended.get('tutorialview')).toBe(ofType('TutorialViewEvent1').length);
    for (const t of TABLES) {
      if (t.rule.kind === 'generated') continue;
      expect((puts.get(t.name)?.length ?? 0) + (appended.get(t.name) ?? 0), t.name).toBeGreaterThan(0);
    }
  });

  it('creates sections with a course/module/lesson tree, updates some and deletes one', () => {
    const creates = ofType('SectionCreateEvent2');
    expect(creates).toHaveLength(6);
    const contents = creates[0]!.contents as any[];
    expect(contents[0]).toMatchObject({ edgePath: '_root_', learningPathIndex: 0, parent: null });
    expect(contents.some((c) => c.lesson !== null && c.module !== null && c.course !== null)).toBe(true);
    expect(contents.some((c) => c.learningPathIndex === null)).toBe(true);
    expect(ofType('SectionUpdateEvent2').length).toBeGreaterThan(0);
    const deleted = ofType('SectionDeleteEvent1');
    expect(deleted).toHaveLength(1);
    const sandboxId = deleted[0]!.sectionId;
    for (const type of ['EnrollmentCreateEvent2', 'SectionEntryEvent1']) expect(ofType(type).some((e) => e.sectionId === sandboxId)).toBe(false);
  });

  it('enrolls hundreds of users with full UserData, a few with a + in the e-mail, and updates and drops a few', () => {
    const creates = ofType('EnrollmentCreateEvent2');
    expect(creates.length).toBeGreaterThan(300);
    expect(creates[0]!.user).toMatchObject({ id: expect.any(Number), externalId: expect.any(String), userName: expect.any(String), fullName: expect.any(String) });
    expect(creates.some((e) => /\+/.test(e.user.email ?? ''))).toBe(true);
    expect(creates.some((e) => e.role === 'instructor')).toBe(true);
    expect(ofType('EnrollmentUpdateEvent2').length).toBeGreaterThan(0);
    expect(ofType('EnrollmentDeleteEvent1').length).toBeGreaterThan(0);
  });

  it('includes multi-byte names and titles, and one URL longer than 1024 bytes', () => {
    const names = ofType('EnrollmentCreateEvent2').map((e) => String(e.user.fullName));
    expect(names.some((n) => bytes(n) > n.length)).toBe(true);
    const urls = ofType('PageNavEvent').map((e) => String(e.url));
    expect(urls.filter((u) => bytes(u) > 1024)).toHaveLength(1);
    expect(ofType('PageNavEvent').some((e) => typeof e.contentTitle === 'string' && bytes(e.contentTitle) > 255)).toBe(true);
  });

  it('navigates only to content of the section’s own tree, sometimes without any course', () => {
    const trees = new Map<number, Set<string>>();
    for (const c of ofType('SectionCreateEvent2')) trees.set(c.section.id, new Set((c.contents as any[]).map((n) => n.edgePath)));
    const navs = ofType('PageNavEvent');
    for (const n of navs.filter((n) => n.course)) expect(trees.get(n.course.section.id)?.has(n.content.contentId)).toBe(true);
    expect(navs.some((n) => !n.course && !n.content)).toBe(true);
  });

  it('starts sessions with and without a sessionId and ends them', () => {
    const sessions = ofType('SessionEvent');
    const starts = sessions.filter((e) => e.actionType === 'start');
    expect(starts.some((e) => e.sessionId === undefined)).toBe(true);
    expect(starts.filter((e) => e.sessionId !== undefined).length).toBeGreaterThan(500);
    expect(sessions.some((e) => e.actionType === 'end' && e.lastActive)).toBe(true);
    expect(starts[0]).toMatchObject({ userAgent: expect.any(String), acceptLanguage: expect.any(String), ipAddress: expect.any(String), requestUrl: expect.any(String) });
  });

  it('works for a six-hour range, as the demo uses, with every handled type', () => {
    const six = [...generateDemoEvents({ start: new Date('2025-01-01T10:17:00Z'), end: new Date('2025-01-01T16:17:00Z') })];
    expect(new Set(six.map((e) => json(e).eventType)).size).toBe(22);
    const snapshots = six.map(json).filter((e) => e.eventType === 'InstructorSnapshotDayCreateEvent1');
    expect(snapshots).toEqual([expect.objectContaining({ time: '2025-01-01T16:17:00.000Z', snapshotDay: '2024-12-31T16:17:00.000Z' })]);
  });

  it('works for a short range and small sizes', () => {
    const few = [...generateDemoEvents({ start: new Date('2025-01-01T00:00:00Z'), end: new Date('2025-01-01T06:00:00Z'), sections: 2, users: 10, seed: 7 })];
    expect(few.length).toBeGreaterThan(10);
    expect(few.every((e, i) => i === 0 || e.time >= few[i - 1]!.time)).toBe(true);
  });

  it('refuses an end before the start', () => {
    expect(() => generateDemoEvents({ start: end, end: start }).next()).toThrow(/end must be after start/);
  });
});
