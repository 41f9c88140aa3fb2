// The reference watermark algorithm (docs/design.md#window-algorithm), kept as rsetl's default
// because it needs no change to the application's table. After a load, the watermark moves to
// the last delivered event, except within the last `lookback` (5 minutes): there it stays behind
// and remembers up to `lookbackIds` (500) delivered ids, so a transaction that commits late with
// an earlier `time` is still picked up. Pure: all inputs are given, times are UTC microseconds.

export interface Watermark {
  windowTime: number;
  windowIds: string[];
}

export interface DeliveredEvent {
  id: string;
  time: number;
}

/**
 * Watches the events of a load as they stream past and keeps only what the next watermark needs:
 * the ids sharing the last time (backlog case) and the most recent `lookbackIds` events newer than
 * `now - lookback` (near-real-time case). Memory stays bounded whatever the load size.
 */
export class WatermarkTracker {
  private last: number | undefined;
  private idsAtLast: string[] = [];
  private recent: DeliveredEvent[] = [];
  private readonly recentFrom: number;

  constructor(
    private readonly nowMicros: number,
    private readonly lookbackMicros: number,
    private readonly lookbackIds: number,
  ) {
    this.recentFrom = nowMicros - lookbackMicros;
  }

  observe(e: DeliveredEvent): void {
    this.observeRow(e.id, e.time, e);
  }

  /** observe() of one outbox row, without an object per row unless it is kept (the backlog case keeps none). */
  observeRow(id: string, time: number, e?: DeliveredEvent): void {
    if (this.last === time) this.idsAtLast.push(id);
    else {
      this.last = time;
      // Emptied and reused: most rows have a time of their own, and only the last time's ids count.
      this.idsAtLast.length = 0;
      this.idsAtLast.push(id);
    }
    if (time >= this.recentFrom) {
      this.recent.push(e ?? { id, time });
      // Events arrive in ascending time, so the oldest are dropped first; trimming in batches
      // keeps this O(1) amortised.
      if (this.recent.length > this.lookbackIds * 2) this.recent = this.recent.slice(-this.lookbackIds);
    }
  }

  get lastTime(): number | undefined {
    return this.last;
  }

  /**
   * The new watermark's lower bound: the caller reads the times of the bus's previous window ids
   * from there on, since those ids must stay remembered while they are not below the watermark.
   */
  lookbackFrom(): number {
    const last = this.last ?? this.nowMicros;
    return last < this.recentFrom ? last : Math.min(this.recentFrom, last);
  }

  /**
   * @param previousIdsInLookback the bus's previous window ids whose event time lies in
   *   [lookbackFrom(), now), with those times (the caller reads them from the outbox).
   */
  next(previousIdsInLookback: DeliveredEvent[]): Watermark {
    const last = this.last ?? this.nowMicros;
    if (last < this.recentFrom) {
      // Backlog: everything before `last` is delivered; remember the ids at or after `last`:
      // this load's ids sharing `last`, and previously delivered ids that are not older (several
      // loads can end on the same time, and a late-committed row can sit after it). The
      // reference kept only the former and could deliver the latter twice.
      const ids = new Set(this.idsAtLast);
      for (const e of previousIdsInLookback) if (e.time >= last) ids.add(e.id);
      return { windowTime: last, windowIds: [...ids] };
    }
    const candidate = Math.min(this.recentFrom, last);
    const byId = new Map<string, DeliveredEvent>();
    for (const e of previousIdsInLookback) if (e.time >= candidate && e.time < this.nowMicros) byId.set(e.id, e);
    for (const e of this.recent) if (e.time >= candidate && e.time < this.nowMicros) byId.set(e.id, e);
    const newestFirst = [...byId.values()].sort((a, b) => b.time - a.time || compareIds(b.id, a.id));
    const kept = newestFirst.slice(0, this.lookbackIds);
    const oldest = kept[kept.length - 1];
    const windowTime = kept.length === this.lookbackIds && oldest ? oldest.time + 1000 : candidate;
    return { windowTime, windowIds: kept.map((e) => e.id) };
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
