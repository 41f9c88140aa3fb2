// CloudWatch Embedded Metric Format: one JSON document per line that CloudWatch Logs turns into
// metrics, with no agent (Lambda, or ECS with the awslogs driver). Per the specification: the
// root holds `_aws` { Timestamp (ms since the epoch), CloudWatchMetrics: [MetricDirective] },
// each directive a Namespace, Dimensions (arrays of keys naming root members with string values)
// and Metrics ({ Name, Unit }, at most 100, each naming a root member holding a number or an
// array of at most 100 numbers). One document for the run (no dimensions) and one per bus
// (dimension Bus, the bus's schema; BusId rides along as a plain member).
//
// CloudWatch aggregates the values it receives (sum, average, …), so a document carries what it
// measured now — the lag, what this pass loaded, its loads' durations — not the all-time totals
// the Prometheus file carries as counters.
import type { MetricsSnapshot } from './figures.js';

export const EMF_NAMESPACE = 'rsetl';

/** CloudWatch's metric units used here (MetricDatum's Unit). */
export type EmfUnit = 'Seconds' | 'Count' | 'None';

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: EmfUnit }> }>;
  };
  [member: string]: unknown;
}

/** At most this many values in one metric's array (the specification's limit). */
const MAX_VALUES = 100;

function document(at: Date, dimensions: string[][], members: Record<string, unknown>, metrics: Array<[string, EmfUnit, number | number[] | undefined]>): EmfDocument {
  const present = metrics.filter((m): m is [string, EmfUnit, number | number[]] => m[2] !== undefined && (!Array.isArray(m[2]) || m[2].length > 0));
  const doc: EmfDocument = {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: dimensions, Metrics: present.map(([Name, Unit]) => ({ Name, Unit })) }],
    },
    ...members,
  };
  for (const [name, , value] of present) doc[name] = Array.isArray(value) ? value.slice(-MAX_VALUES) : value;
  return doc;
}

export function emfDocuments(s: MetricsSnapshot): EmfDocument[] {
  const at = s.at;
  const failing = s.buses.filter((b) => b.status.failureCount > 0 && b.status.state !== 'Disabled').length;
  const docs = [
    document(at, [[]], { Buses: s.selection }, [
      ['Up', 'Count', s.up ? 1 : 0],
      ['PollDurationSeconds', 'Seconds', s.pollSeconds ?? undefined],
      ['BusesFailing', 'Count', s.up ? failing : undefined],
    ]),
  ];
  for (const { status: b, pass } of s.buses) {
    const sinceSuccess = b.lastSuccessAt === null ? undefined : Math.max(0, (at.getTime() - Date.parse(b.lastSuccessAt)) / 1000);
    docs.push(
      document(
        at,
        [['Bus']],
        { Bus: b.schema, BusId: b.id, State: b.state, Blocked: b.blocked, EventsLoadedTotal: b.eventsLoadedTotal },
        [
          ['LagSeconds', 'Seconds', b.lagSeconds],
          ['PendingEvents', 'Count', b.pendingEvents],
          ['EventsLoaded', 'Count', pass.eventsLoaded],
          ['LoadDurationSeconds', 'Seconds', pass.loadDurationsSeconds],
          ['Failures', 'Count', b.failureCount],
          ['DeadLetterEvents', 'Count', b.deadLetterEvents],
          ['SecondsSinceLastSuccess', 'Seconds', sinceSuccess],
        ],
      ),
    );
  }
  return docs;
}

/** The documents as lines, one JSON object each. */
export function renderEmf(s: MetricsSnapshot): string {
  return emfDocuments(s)
    .map((d) => `${JSON.stringify(d)}\n`)
    .join('');
}
