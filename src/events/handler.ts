// What a transform produces and the shape of one event type's handler. A handler is pure: the
// same event and context give the same ops (no clock, no I/O, no randomness), so replays and
// golden tests are exact (docs/design.md#transform).
import type { z } from 'zod';
import type { Rows, TableName } from '../model/tables.js';

/** Put one row into a table (its write rule decides what "put" means: append, merge, ...). */
export type PutOp = { [T in TableName]: { readonly table: T; readonly op: 'put'; readonly row: Rows[T] } }[TableName];

/** Delete the row(s) of a deletable table (section, enrollment, grade) by the rule's key columns. */
export type DeleteOp = {
  [T in TableName]: { readonly table: T; readonly op: 'delete'; readonly key: Partial<Rows[T]> };
}[TableName];

/** Null every personal column of a user (GDPR, UserObfuscateEvent1): every `usr` column but `id`. */
export interface ObfuscateOp {
  readonly table: 'usr';
  readonly op: 'obfuscate';
  readonly key: { readonly id: number };
}

/** Generate the instructor snapshot of a day (InstructorSnapshotDayCreateEvent1), after the load commits. */
export interface GenerateOp {
  readonly table: 'instructorsnapshotday';
  readonly op: 'generate';
  /** The day, `YYYY-MM-DD` (UTC). */
  readonly key: { readonly date: string };
}

export type RowOp = PutOp | DeleteOp | ObfuscateOp | GenerateOp;

export function put<T extends TableName>(table: T, row: Rows[T]): RowOp {
  return { table, op: 'put', row } as RowOp;
}

export function del<T extends TableName>(table: T, key: Partial<Rows[T]>): RowOp {
  return { table, op: 'delete', key } as RowOp;
}

export function obfuscate(id: number): RowOp {
  return { table: 'usr', op: 'obfuscate', key: { id } };
}

export function generateSnapshotDay(date: string): RowOp {
  return { table: 'instructorsnapshotday', op: 'generate', key: { date } };
}

/** Everything a transform may know besides the event: passed in, never read from the environment. */
export interface TransformContext {
  /** Start of the load, `YYYY-MM-DD HH:MM:SS.mmm` UTC (the reference's ETL time). */
  readonly loadTime: string;
}

export interface EventHandler<S extends z.ZodType = z.ZodType> {
  /** The `eventType` string of the JSON (docs/schema.md#event-envelope). */
  readonly type: string;
  /** Validates the event and converts its values (timestamps to Redshift form, ...). */
  readonly schema: S;
  transform(event: z.output<S>, ctx: TransformContext): RowOp[];
}

/** Declares a handler with its schema's output type flowing into `transform`. */
export function defineHandler<S extends z.ZodType>(handler: EventHandler<S>): EventHandler<S> {
  return handler;
}
