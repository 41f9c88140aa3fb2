// Activity keys (docs/schema.md#activity): a learner did something with a content node
// of a section. The reference collected the (sectionId, userId, edgePath) triples of a batch in a
// set and wrote one `activity` row per triple with a random UUID and the ETL start time. rsetl
// derives the row's `id` from the triple and the load time instead (docs/schema.md#activity: a replayed
// load cannot add duplicates), and the combine step keeps the first row of an id within a load
// (activity's dedupKey), which is the reference's set.
import { hash } from 'node:crypto';
import { put, type RowOp, type TransformContext } from './handler.js';

// The JSON tail `,"<etltime>"]` of the hashed key: the same for every key of a load, so it is
// encoded once per load time rather than once per row.
let tailOf = '';
let tail = '';

/**
 * A 36-character UUID-formatted id: the first 128 bits of the SHA-256 of the key
 * `JSON.stringify([sectionid, userid, edgepath, etltime])`. The same section, user, edge path and
 * load time always give the same id; anything else a different one.
 */
export function activityId(sectionid: number, userid: number, edgepath: string, etltime: string): string {
  if (etltime !== tailOf) {
    tail = `,${JSON.stringify(etltime)}]`;
    tailOf = etltime;
  }
  // A finite number's JSON is its String(); anything else (NaN, ±Infinity: JSON null) goes the long way.
  const json =
    Number.isFinite(sectionid) && Number.isFinite(userid)
      ? '[' + sectionid + ',' + userid + ',' + JSON.stringify(edgepath) + tail
      : JSON.stringify([sectionid, userid, edgepath, etltime]);
  const h = hash('sha256', json, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The `activity` row of a key, stamped with the load's time. */
export function activityKey(ctx: TransformContext, sectionid: number, userid: number, edgepath: string): RowOp {
  const etltime = ctx.loadTime;
  return put('activity', { id: activityId(sectionid, userid, edgepath, etltime), etltime, sectionid, userid, edgepath });
}

/**
 * Appends the activity row of a key to `ops`, unless the event is a maintenance re-emission
 * (`maintenance: true`, sent to backfill Redshift), which records no activity. Returns `ops`.
 */
export function pushActivityKey(
  ops: RowOp[],
  ctx: TransformContext,
  maintenance: boolean | null | undefined,
  sectionid: number,
  userid: number,
  edgepath: string,
): RowOp[] {
  if (maintenance !== true) ops.push(activityKey(ctx, sectionid, userid, edgepath));
  return ops;
}
