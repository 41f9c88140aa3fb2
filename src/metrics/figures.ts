// The figures an operator watches, taken once per poll (and per pass under `--loop`): every bus's
// status as `rsetl status` computes it (pipeline/status.ts, all-time totals from the run log) plus
// what this pass itself did. Pure: the renderers (prometheus.ts, emf.ts) turn one snapshot into
// their format, so both formats always say the same thing.
import type { PollSummary } from '../pipeline/poller.js';
import type { BusStatus } from '../pipeline/status.js';
import { DELIVERED_OUTCOMES } from '../source/run-log.js';

/** What one pass did for one bus. */
export interface PassFigures {
  /** Events delivered by this pass's loads. */
  eventsLoaded: number;
  /** How long each of this pass's loads took. */
  loadDurationsSeconds: number[];
}

export interface MetricsSnapshot {
  /** When the figures were taken. */
  at: Date;
  /**
   * Which buses the run covered: `all`, or the `--bus` refs as given, sorted and comma-separated.
   * The run's own metrics carry it as a label, so two cron entries for different buses, each with
   * its own file in one textfile folder, never write the same series.
   */
  selection: string;
  /**
   * The run reached the source and went over its buses (failing buses included: they have their
   * own figures). False when it ended in an error first (source unreachable, configuration, …):
   * then there are no bus figures.
   */
  up: boolean;
  /** How long the last poll pass took, or null when none ran. */
  pollSeconds: number | null;
  buses: Array<{ status: BusStatus; pass: PassFigures }>;
}

const DELIVERED: ReadonlySet<string> = new Set(DELIVERED_OUTCOMES);

/** Per bus, what a pass delivered (nothing for a bus the pass did not load). */
export function passFigures(summary: PollSummary | undefined): Map<number, PassFigures> {
  const out = new Map<number, PassFigures>();
  for (const b of summary?.buses ?? []) {
    const delivered = b.loads.filter((l) => DELIVERED.has(l.outcome));
    out.set(b.busId, {
      eventsLoaded: delivered.reduce((a, l) => a + l.events, 0),
      loadDurationsSeconds: delivered.map((l) => l.durationMs / 1000),
    });
  }
  return out;
}

/** The `selection` of a run over `busRefs` (all buses when none). */
export function selectionOf(busRefs: readonly string[] | undefined): string {
  return busRefs?.length ? [...new Set(busRefs)].sort().join(',') : 'all';
}

export function metricsSnapshot(input: { at: Date; selection?: string; pollSeconds: number | null; statuses: BusStatus[]; summary?: PollSummary }): MetricsSnapshot {
  const pass = passFigures(input.summary);
  return {
    at: input.at,
    selection: input.selection ?? 'all',
    up: true,
    pollSeconds: input.pollSeconds,
    buses: input.statuses.map((status) => ({ status, pass: pass.get(status.id) ?? { eventsLoaded: 0, loadDurationsSeconds: [] } })),
  };
}

/** The run ended in an error before its figures could be taken. */
export function downSnapshot(at: Date, pollSeconds: number | null, selection = 'all'): MetricsSnapshot {
  return { at, selection, up: false, pollSeconds, buses: [] };
}
