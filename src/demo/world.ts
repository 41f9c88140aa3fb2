// The plan of the demo LMS before any event is written: sections and their content, users,
// enrollments (with the few that are updated or deleted) and sessions, each with its times. Steps
// (steps/*.ts) turn this plan into events; a new kind of event is a new step reading the plan.
import { buildOffering, type DemoOffering } from './course-content.js';
import { planLearning } from './learning.js';
import type { DemoWork, Learning } from './learning-plan.js';
import type { Random } from './random.js';
import { ACCEPT_LANGUAGES, COURSES, EMAIL_DOMAINS, FAMILY_NAMES, GIVEN_NAMES, REFERRERS, SUBTENANTS, USER_AGENTS } from './vocabulary.js';

export interface DemoOptions {
  seed?: number;
  sections?: number;
  users?: number;
  start: Date;
  end: Date;
  /** The domain (`analyticfinder.root_id`); default '1'. */
  rootId?: string;
}

/** `UserData` as the platform writes it (`NON_EMPTY`: absent options are left out). */
export type UserDataJson = { id: number } & Record<string, string | number>;

export interface DemoUser {
  id: number;
  externalId: string;
  data: UserDataJson;
}

export interface DemoSection {
  id: number;
  externalId: string;
  name: string;
  offering: DemoOffering;
  groupId: string;
  integration: { uniqueId: string; system: { id: number; systemId: string; name: string } } | null;
  startDate: number;
  endDate: number;
  createdAt: number;
  /** Times of SectionUpdateEvent2s. */
  updates: number[];
  /** Set for the one sandbox section that is deleted (it has no enrollments). */
  deletedAt: number | null;
}

export interface DemoEnrollment {
  id: number;
  user: DemoUser;
  section: DemoSection;
  role: 'student' | 'instructor';
  dataSource: string;
  createdAt: number;
  updatedAt: number | null;
  deletedAt: number | null;
}

export interface DemoSession {
  id: number;
  enrollment: DemoEnrollment;
  /** The user's other section, when the user came from it (SectionEntryEvent1.originSectionId). */
  originSectionId: number | null;
  start: number;
  end: number;
  authMethod: 'direct' | 'lti';
  ipAddress: string;
  userAgent: string;
  acceptLanguage: string;
  referrer: string | null;
  /** A start the platform logged before a session existed: no sessionId and nothing after it. */
  withoutId: boolean;
  /** Navigate once to a search URL longer than the 1024-byte URL columns. */
  longUrl: boolean;
  /** The learning-path activities the learner works on in this session (learning.ts), in time order. */
  work: DemoWork[];
}

export interface World {
  start: number;
  end: number;
  rootId: string;
  /** `source` of every event: the domain's host name. */
  host: string;
  adminSessionId: number;
  sections: DemoSection[];
  users: DemoUser[];
  enrollments: DemoEnrollment[];
  sessions: DemoSession[];
  /**
   * The learner who leaves and asks to be forgotten: one enrollment, dropped mid-course, and a
   * UserObfuscateEvent1 after their last event (`obfuscation`).
   */
  forgotten: DemoEnrollment | null;
  obfuscation: { user: DemoUser; at: number } | null;
  learning: Learning;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Platform-like ids: each kind counts up from its own base. */
function counter(base: number) {
  let n = base;
  return { next: () => n++ };
}

export function planWorld(opts: DemoOptions, rng: Random): World {
  const start = opts.start.getTime();
  const end = opts.end.getTime();
  if (!(end > start)) throw new Error('demo: end must be after start');
  const span = end - start;
  const at = (fraction: number) => Math.floor(start + fraction * span);
  const sectionCount = Math.max(1, opts.sections ?? 6);
  const userCount = Math.max(2, opts.users ?? 300);

  const assetIds = counter(5_000_001);
  const offerings: DemoOffering[] = [];
  const sectionIds = counter(1_000_101);
  const sections: DemoSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const o = Math.floor(i / 2); // two sections per offering share its content
    const topic = COURSES[o % COURSES.length] ?? COURSES[0]!;
    const offering = (offerings[o] ??= buildOffering(topic, assetIds, rng, { longTitle: o === 0 }));
    const sandbox = sectionCount > 1 && i === sectionCount - 1;
    const createdAt = at(rng.between(0, 0.02));
    const id = sectionIds.next();
    sections.push({
      id,
      externalId: sandbox ? `SANDBOX-${id}` : `${topic.code}-${String((i % 2) + 1).padStart(2, '0')}`,
      name: sandbox ? `Sandbox — ${topic.title} (test, please delete)` : `${topic.title} — Section ${(i % 2) + 1}`,
      offering,
      groupId: `G-${topic.code}`,
      integration: sandbox ? null : { uniqueId: `sis-${id}`, system: { id: 77, systemId: 'banner', name: 'Banner SIS' } },
      startDate: start,
      endDate: end + 14 * DAY,
      createdAt,
      updates: sandbox ? [at(0.3)] : rng.chance(0.5) ? [at(rng.between(0.05, 0.8))] : [],
      deletedAt: sandbox ? at(0.6) : null,
    });
  }
  const teaching = sections.filter((s) => s.deletedAt === null);

  const users = planUsers(userCount, rng);
  const instructorCount = Math.max(1, Math.ceil(teaching.length / 2));
  const enrollmentIds = counter(3_000_001);
  const enrollments: DemoEnrollment[] = [];
  const enroll = (user: DemoUser, section: DemoSection, role: DemoEnrollment['role'], createdAt: number) => {
    const deleted = role === 'student' && rng.chance(0.02);
    const createdSafe = Math.max(createdAt, section.createdAt + 60_000);
    enrollments.push({
      id: enrollmentIds.next(),
      user,
      section,
      role,
      dataSource: role === 'instructor' ? 'SIS' : rng.pick(['SIS', 'SIS', 'SIS', 'Manual', 'LTI']),
      createdAt: createdSafe,
      updatedAt: !deleted && rng.chance(0.04) ? Math.floor(rng.between(createdSafe, end)) : null,
      deletedAt: deleted ? Math.min(end, createdSafe + Math.floor(rng.between(DAY, 10 * DAY))) : null,
    });
  };
  users.forEach((user, u) => {
    if (u < instructorCount) {
      for (const s of teaching.slice(2 * u, 2 * u + 2)) enroll(user, s, 'instructor', s.createdAt + Math.floor(rng.between(HOUR, 0.03 * span)));
      return;
    }
    const count = rng.chance(0.2) && teaching.length > 1 ? 2 : 1;
    for (const s of rng.sample(teaching, count)) enroll(user, s, 'student', at(rng.between(0.03, 0.3)));
  });

  // The last learner with a single enrollment drops the course mid-way and is later forgotten.
  const single = enrollments.filter((e) => e.role === 'student' && enrollments.filter((o) => o.user === e.user).length === 1);
  const forgotten = single.at(-1) ?? null;
  let obfuscation: World['obfuscation'] = null;
  if (forgotten) {
    forgotten.updatedAt = null;
    forgotten.deletedAt = Math.min(end, forgotten.createdAt + Math.floor(0.3 * span));
    obfuscation = { user: forgotten.user, at: Math.min(end, forgotten.deletedAt + Math.floor(0.08 * span)) };
  }

  const sessions = planSessions(enrollments, end, rng);
  const firstStudent = sessions.find((s) => s.enrollment.role === 'student' && !s.withoutId);
  if (firstStudent) firstStudent.longUrl = true;

  const planned = { start, end, rootId: opts.rootId ?? '1', host: 'lms.example.edu', adminSessionId: 4_000_000, sections, users, enrollments, sessions, forgotten, obfuscation };
  return { ...planned, learning: planLearning(planned, rng.fork()) };
}

function slug(s: string): string {
  return s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

function planUsers(count: number, rng: Random): DemoUser[] {
  const ids = counter(2_000_001);
  return Array.from({ length: count }, (_, i) => {
    const id = ids.next();
    const givenName = rng.pick(GIVEN_NAMES);
    const familyName = rng.pick(FAMILY_NAMES);
    const userName = `${slug(givenName) || 'user'}.${slug(familyName) || 'x'}${i}`;
    const externalId = `S${String(id).slice(-7)}`;
    const data: UserDataJson = { id, externalId, userName, givenName, familyName, fullName: `${givenName} ${familyName}` };
    if (!rng.chance(0.05)) {
      const domain = rng.pick(EMAIL_DOMAINS);
      data.email = rng.chance(0.08) ? `${userName}+lms@${domain}` : `${userName}@${domain}`;
    }
    if (rng.chance(0.6)) {
      const sub = rng.pick(SUBTENANTS);
      data.subtenantId = sub.id;
      data.subtenantName = sub.name;
    }
    if (rng.chance(0.85)) {
      data.integration = 'banner';
      data.uniqueId = `B${id}`;
    }
    return { id, externalId, data };
  });
}

function planSessions(enrollments: DemoEnrollment[], end: number, rng: Random): DemoSession[] {
  const planned: Omit<DemoSession, 'id'>[] = [];
  const sectionsOf = new Map<number, number[]>();
  for (const e of enrollments) sectionsOf.set(e.user.id, [...(sectionsOf.get(e.user.id) ?? []), e.section.id]);
  for (const e of enrollments) {
    const from = e.createdAt + 10 * 60_000;
    const until = Math.min(e.deletedAt ?? end, end) - 5 * 60_000;
    if (until <= from) continue;
    const count = e.role === 'instructor' ? rng.int(10, 16) : rng.int(2, 4);
    const other = (sectionsOf.get(e.user.id) ?? []).find((id) => id !== e.section.id) ?? null;
    for (let i = 0; i < count; i++) {
      const start = Math.floor(rng.between(from, until));
      planned.push({
        enrollment: e,
        originSectionId: other !== null && rng.chance(0.3) ? other : null,
        start,
        end: Math.min(until, start + Math.floor(rng.between(5 * 60_000, 90 * 60_000))),
        authMethod: rng.chance(0.25) ? 'lti' : 'direct',
        ipAddress: `${rng.pick(['203.0.113', '198.51.100', '192.0.2'])}.${rng.int(1, 254)}`,
        userAgent: rng.pick(USER_AGENTS),
        acceptLanguage: rng.pick(ACCEPT_LANGUAGES),
        referrer: rng.pick(REFERRERS),
        withoutId: rng.chance(0.02),
        longUrl: false,
        work: [],
      });
    }
  }
  // The platform hands out session ids as sessions begin.
  planned.sort((a, b) => a.start - b.start);
  const ids = counter(4_000_101);
  return planned.map((s) => ({ ...s, id: ids.next() }));
}
