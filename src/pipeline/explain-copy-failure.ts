// Turns Redshift's "Load into table 'x' failed" into what an operator can act on: the table,
// column, line, raw value and reason from the load-error views, and the outbox event that
// produced the rejected row (via the load's shadow files of event ids, see events/event-origin.ts).
import type pg from 'pg';
import type { Bus } from '../source/bus.js';
import { outboxTableName } from '../source/outbox.js';
import { eventsStageName } from '../events/event-origin.js';
import type { ObjectStore } from '../stage/object-store.js';
import type { StagedTable } from '../stage/staged-load.js';
import { diagnoseCopyFailure, type DiagnosisScope, type LoadErrorDetail } from '../warehouse/diagnose.js';
import type { WarehouseSession } from '../warehouse/session.js';

export interface OffendingEvent {
  id: string;
  guid: string | null;
  time: string;
  type: string | null;
}

export interface CopyFailureExplanation {
  copyError?: LoadErrorDetail & { table: string };
  event?: OffendingEvent;
  /** Why Redshift's load-error views could not be read (the load's own error stands regardless). */
  diagnosisProblems?: string[];
}

async function eventIdAt(store: ObjectStore, shadow: StagedTable | undefined, index: number): Promise<string | undefined> {
  if (!shadow) return undefined;
  let offset = 0;
  for (const [i, key] of shadow.parts.entries()) {
    const rows = shadow.partRows[i] ?? 0;
    if (index < offset + rows) {
      const lines = (await store.getGunzippedText(key)).split('\n');
      return lines[index - offset] || undefined;
    }
    offset += rows;
  }
  return undefined;
}

export async function explainCopyFailure(
  w: WarehouseSession,
  store: ObjectStore,
  staged: Map<string, StagedTable>,
  source: pg.ClientBase,
  q: { table: string; bus: Bus; scope: DiagnosisScope },
): Promise<CopyFailureExplanation | undefined> {
  const { detail, problems } = await diagnoseCopyFailure(w, q.scope);
  if (!detail) return problems.length > 0 ? { diagnosisProblems: problems } : undefined;
  for (const st of staged.values()) {
    const part = st.parts.findIndex((k) => store.url(k) === detail.file);
    if (part < 0) continue;
    // Only tables' own files are COPYed (their key ops included), each shadowed line for line.
    const index = st.partRows.slice(0, part).reduce((a, n) => a + n, 0) + detail.line - 1;
    const explanation: CopyFailureExplanation = { copyError: { ...detail, table: st.name } };
    const eventId = await eventIdAt(store, staged.get(eventsStageName(st.name)), index);
    if (eventId) {
      const r = await source.query(
        `select id::text as id, guid, time, datajson->>'eventType' as type from ${outboxTableName(q.table)}
         where root_id = $1 and id = $2 and time >= $3::timestamp`,
        [q.bus.rootId, eventId, q.bus.windowTime],
      );
      explainedEvent(explanation, r.rows[0] as OffendingEvent | undefined, eventId);
    }
    return explanation;
  }
  return { copyError: { ...detail, table: '?' } };
}

function explainedEvent(x: CopyFailureExplanation, row: OffendingEvent | undefined, id: string): void {
  x.event = row ?? { id, guid: null, time: '?', type: null };
}
