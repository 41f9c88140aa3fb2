// Nested shapes shared by several event types (docs/schema.md#event-envelope) and
// the rows they become. Schemas name only the members a transform reads; Jackson ignores unknown
// properties and so do these (zod strips them).
//
// Required or optional: a member is required when the row needs it for a key or a NOT NULL
// column; every other member may be absent or null (the platform writes `NON_EMPTY`, so empty
// options and lists are omitted), and becomes SQL NULL.
import { z } from 'zod';
import type { Rows } from '../model/tables.js';
import { assertInstant, emailDomain, redshiftTimestamp } from './values.js';
import { messageOf } from '../errors.js';

/** A platform `Long` id. Ids beyond 2^53 cannot survive JSON.parse, so they are refused, not rounded. */
export const long = z.int();

/** An `Int` column value (INT4). */
export const int = z.int().min(-2147483648).max(2147483647);

/**
 * A `Date`/`Instant` (ISO string or epoch millis), converted to Redshift's `YYYY-MM-DD HH:MM:SS.mmm`
 * UTC. Built from a check (refuses what `epochMillis` cannot read, naming why) and an overwrite
 * (converts), not a `.transform`: zod runs a transform as a pipe with a closure per value, which
 * measured ~4× the cost of this on the hot path (bench/transform-micro.ts), and every event has
 * at least one instant. `.overwrite` is typed as keeping the input type, so the schema is declared
 * with the type it really has: string | number in, string out.
 */
export const instant = z
  .union([z.string(), z.number()], {
    error: (issue) =>
      issue.input === undefined
        ? 'Invalid input: expected timestamp, received undefined'
        : 'Invalid input: expected an ISO-8601 timestamp or epoch milliseconds',
  })
  .check((ctx) => {
    try {
      assertInstant(ctx.value);
    } catch (e) {
      // No `continue`: the issue aborts the value, so the overwrite below never sees it.
      ctx.issues.push({ code: 'custom', message: messageOf(e), input: ctx.value });
    }
  })
  .overwrite((value) => redshiftTimestamp(value)) as unknown as z.ZodType<string, string | number>;

/** An optional string member. */
export const optString = z.string().nullish();

/** `UserData` (ent:UserData.scala). */
export const userDataSchema = z.object({
  id: long,
  externalId: optString,
  email: optString,
  userName: optString,
  givenName: optString,
  familyName: optString,
  fullName: optString,
  subtenantId: optString,
  subtenantName: optString,
  /** The external system's `systemId`. */
  integration: optString,
  /** The user's id in that system. */
  uniqueId: optString,
});
export type UserData = z.output<typeof userDataSchema>;

/** `ExternallyIdentifiableEntity` = `{id, externalId?}`. */
export const entitySchema = z.object({ id: long, externalId: optString });

/** `SectionData` = `{id, externalId?, name}`; `name` feeds a nullable column, so it may be missing. */
export const sectionDataSchema = z.object({ id: long, externalId: optString, name: optString });

/** `IntegrationData` = `{uniqueId, system?: {id, systemId, name}}`, all feeding nullable columns. */
export const integrationSchema = z.object({
  uniqueId: optString,
  system: z.object({ id: long.nullish(), systemId: optString, name: optString }).nullish(),
});

/** `CourseId`: only `section` is read (assetGuid, projectId, offeringId, branchId, commitId are not loaded). */
export const courseIdSchema = z.object({ section: entitySchema });

/** `ContentId` = `{contentId (edge path), assetId (UUID)}`: only the edge path is loaded. */
export const contentIdSchema = z.object({ contentId: z.string() });

/** `SuperAssetId` = an ancestor `{assetId, edgePath}` of a `Content1`. */
const ancestorSchema = z.object({ assetId: long.nullish(), edgePath: optString });

/** `PublishContentEvent.Content1`: one node of a course's content tree. */
export const content1Schema = z.object({
  assetId: long,
  edgePath: z.string().min(1),
  learningPathIndex: int.nullish(),
  forCreditPointsPossible: z.number().nullish(),
  forCreditItemCount: long.nullish(),
  parent: ancestorSchema.nullish(),
  course: ancestorSchema.nullish(),
  module: ancestorSchema.nullish(),
  lesson: ancestorSchema.nullish(),
});
export type Content1 = z.output<typeof content1Schema>;

/** `rsUser`: a `usr` row, every field copied, `emaildomain` derived from the e-mail. */
export function rsUser(u: UserData): Rows['usr'] {
  return {
    id: u.id,
    externalid: u.externalId ?? null,
    email: u.email ?? null,
    username: u.userName ?? null,
    emaildomain: emailDomain(u.email),
    givenname: u.givenName ?? null,
    familyname: u.familyName ?? null,
    fullname: u.fullName ?? null,
    subtenantid: u.subtenantId ?? null,
    subtenantname: u.subtenantName ?? null,
    integration: u.integration ?? null,
    uniqueid: u.uniqueId ?? null,
  };
}

/** `rsSectionContent`: a `sectioncontent` row of one section for one content node. */
export function rsSectionContent(sectionId: number, c: Content1): Rows['sectioncontent'] {
  return {
    sectionid: sectionId,
    edgepath: c.edgePath,
    assetid: c.assetId,
    parentedgepath: c.parent?.edgePath ?? null,
    parentassetid: c.parent?.assetId ?? null,
    courseassetid: c.course?.assetId ?? null,
    moduleedgepath: c.module?.edgePath ?? null,
    moduleassetid: c.module?.assetId ?? null,
    lessonedgepath: c.lesson?.edgePath ?? null,
    lessonassetid: c.lesson?.assetId ?? null,
    forcreditpointspossible: c.forCreditPointsPossible ?? null,
    forcredititemcount: c.forCreditItemCount ?? null,
    learningpathindex: c.learningPathIndex ?? null,
  };
}
