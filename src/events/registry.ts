// eventType → handler, the types the reference deliberately ignores, and `transformEvent`, the one
// entry point from an outbox row to row operations. Adding a handled type is one file under
// `types/` and one line in HANDLERS.
import type { z } from 'zod';
import { EventError, messageOf } from '../errors.js';
import { envelopeSchema, type OutboxEvent } from './envelope.js';
import type { EventHandler, RowOp, TransformContext } from './handler.js';
import { compileFastParser, REFUSED, type FastParser } from './fast-parse.js';
import { nulColumn, nulPaths } from './refused-chars.js';
import { handler as AttemptPutEvent1 } from './types/AttemptPutEvent1.js';
import { handler as DiscussionPostPutEvent1 } from './types/DiscussionPostPutEvent1.js';
import { handler as EnrollmentCreateEvent2 } from './types/EnrollmentCreateEvent2.js';
import { handler as EnrollmentDeleteEvent1 } from './types/EnrollmentDeleteEvent1.js';
import { handler as EnrollmentUpdateEvent2 } from './types/EnrollmentUpdateEvent2.js';
import { handler as GradePutEvent1 } from './types/GradePutEvent1.js';
import { handler as GradeUnsetEvent } from './types/GradeUnsetEvent.js';
import { handler as InstructorSnapshotDayCreateEvent1 } from './types/InstructorSnapshotDayCreateEvent1.js';
import { handler as PageNavEvent } from './types/PageNavEvent.js';
import { handler as ProgressPutEvent2 } from './types/ProgressPutEvent2.js';
import { handler as PublishContentEvent1 } from './types/PublishContentEvent1.js';
import { handler as QnaThreadPutEvent1 } from './types/QnaThreadPutEvent1.js';
import { handler as SectionCreateEvent2 } from './types/SectionCreateEvent2.js';
import { handler as SectionDeleteEvent1 } from './types/SectionDeleteEvent1.js';
import { handler as SectionEntryEvent1 } from './types/SectionEntryEvent1.js';
import { handler as SectionUpdateEvent2 } from './types/SectionUpdateEvent2.js';
import { handler as SessionEvent } from './types/SessionEvent.js';
import { handler as SurveySubmissionEvent1 } from './types/SurveySubmissionEvent1.js';
import { handler as SurveySubmissionEvent2 } from './types/SurveySubmissionEvent2.js';
import { handler as TimeSpentEvent2 } from './types/TimeSpentEvent2.js';
import { handler as TutorialViewEvent1 } from './types/TutorialViewEvent1.js';
import { handler as UserObfuscateEvent1 } from './types/UserObfuscateEvent1.js';

/** The 22 handled types, in the order of docs/schema.md#event-types. */
const HANDLERS: readonly EventHandler[] = [
  SectionEntryEvent1,
  SectionCreateEvent2,
  SectionUpdateEvent2,
  SectionDeleteEvent1,
  PublishContentEvent1,
  GradePutEvent1,
  GradeUnsetEvent,
  SessionEvent,
  SurveySubmissionEvent1,
  SurveySubmissionEvent2,
  TimeSpentEvent2,
  DiscussionPostPutEvent1,
  EnrollmentCreateEvent2,
  EnrollmentUpdateEvent2,
  EnrollmentDeleteEvent1,
  InstructorSnapshotDayCreateEvent1,
  AttemptPutEvent1,
  PageNavEvent,
  ProgressPutEvent2,
  TutorialViewEvent1,
  UserObfuscateEvent1,
  QnaThreadPutEvent1,
];

export const HANDLERS_BY_TYPE: ReadonlyMap<string, EventHandler> = new Map(HANDLERS.map((h) => [h.type, h]));

/**
 * Registered event types the Redshift transform ignores (docs/schema.md#ignored-types). They are counted per
 * type in the run row and the window advances past them.
 */
export const IGNORED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'CompetencyMasteryEvent',
  'CompetencySetMasteryEvent',
  'CourseEntryEvent',
  'SectionCreateEvent1',
  'SectionUpdateEvent1',
  'CourseSectionPutEvent',
  'CourseSectionPutEvent2',
  'CourseSectionPutEvent3',
  'EvidenceEvent',
  'LtiLaunchEvent',
  'QuestionViewedEvent',
  'OfferBranchEvent',
  'OfferBranchEvent2',
  'OfferBranchEvent3',
  'TimeSpentEvent',
  'EnrollmentCreateEvent1',
  'EnrollmentUpdateEvent1',
  'InstructorGradedAttemptPutEvent1',
  'ProgressPutEvent1',
  'UIUpgradeEvent1',
]);

export type TransformStatus = 'handled' | 'ignored' | 'unknown';

export interface TransformResult {
  eventType: string;
  status: TransformStatus;
  ops: RowOp[];
}

const zodOnly: FastParser = () => REFUSED;
const fastParsers = new Map<EventHandler, FastParser>();

/** The handler's compiled parser (made on its type's first event), or one that leaves every event to zod. */
function fastParserOf(handler: EventHandler): FastParser {
  let f = fastParsers.get(handler);
  if (f === undefined) fastParsers.set(handler, (f = compileFastParser(handler.schema) ?? zodOnly));
  return f;
}

const OPERATOR_HINT =
  'the event blocks its bus; fix the data and retry, or skip it to the dead letter with `rsetl unblock --skip`';

/**
 * The row operations of one outbox event. Ignored and unknown types give no ops (the caller counts
 * them by status). Throws EventError when the event cannot be read: datajson is not an object, has
 * no eventType, or fails its type's schema; the message names the event and each problem by path.
 * Also when a value it would stage holds a NUL, which Redshift cannot load (refused-chars.ts).
 */
export function transformEvent(ev: OutboxEvent, ctx: TransformContext): TransformResult {
  const data = ev.datajson;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new EventError(`datajson is not a JSON object (got ${describe(data)})`, refOf(ev, null), { hint: OPERATOR_HINT });
  }
  // The envelope schema can fail only on `eventType` (its other members `.catch`), so a non-empty
  // string there is all it would check; it is parsed only to word the error. A handled type's own
  // schema validates the common members again (commonFields).
  const raw = (data as Record<string, unknown>).eventType;
  let eventType: string;
  if (typeof raw === 'string' && raw.length > 0) eventType = raw;
  else {
    const envelope = envelopeSchema.safeParse(data);
    if (!envelope.success) {
      throw new EventError(`unreadable envelope: ${formatIssues(envelope.error)}`, refOf(ev, typeof raw === 'string' ? raw : null), {
        hint: OPERATOR_HINT,
      });
    }
    eventType = envelope.data.eventType;
  }
  const handler = HANDLERS_BY_TYPE.get(eventType);
  if (!handler) {
    // Unknown types are counted by name in the run row, a jsonb column, which refuses a NUL: such a
    // name is counted with the NUL spelled out. No handled type's name has one.
    if (eventType.includes('\0')) return { eventType: eventType.replaceAll('\0', '\\u0000'), status: 'unknown', ops: [] };
    return { eventType, status: IGNORED_EVENT_TYPES.has(eventType) ? 'ignored' : 'unknown', ops: [] };
  }

  // The compiled fast path gives zod's output for every event it accepts; what it refuses (an
  // invalid event, or one it is unsure of) zod parses, and words the error (fast-parse.ts).
  let event = fastParserOf(handler)(data);
  if (event === REFUSED) {
    const parsed = handler.schema.safeParse(data);
    if (!parsed.success) {
      throw new EventError(`invalid ${eventType}: ${formatIssues(parsed.error)}`, refOf(ev, eventType), { hint: OPERATOR_HINT });
    }
    event = parsed.data;
  }
  let ops: RowOp[];
  try {
    ops = handler.transform(event, ctx);
  } catch (e) {
    throw new EventError(`${eventType} transform failed: ${messageOf(e)}`, refOf(ev, eventType), { hint: OPERATOR_HINT, cause: e });
  }
  // Checked on what is staged, not on the event: a NUL in a member rsetl does not load is harmless.
  const column = nulColumn(ops);
  if (column !== null) {
    const paths = nulPaths(data).map((p) => formatPath(p).replaceAll('\0', '\\u0000'));
    const where = paths.length > 0 ? paths.join(', ') : '(event)';
    throw new EventError(`invalid ${eventType}: ${where}: contains ${NUL} (column ${column})`, refOf(ev, eventType), { hint: OPERATOR_HINT });
  }
  return { eventType, status: 'handled', ops };
}

const NUL = 'a NUL character (U+0000), which Redshift cannot load into a VARCHAR';

/** What an EventError names: the outbox row and, once read, its type. */
function refOf(ev: OutboxEvent, type: string | null) {
  return { id: ev.id, guid: ev.guid, time: ev.time, type };
}

/** `section.id: Invalid input: expected number, received undefined; contents[2].edgePath: ...` */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(event)';
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `a string ${JSON.stringify(v.slice(0, 40))}` : typeof v;
}
