// The bench's event stream: N realistic events from the demo generator, with memory bounded
// whatever N. The generator plans a whole world (users, enrollments, sessions) before its first
// event, and that plan grows with the stream (≈1.3 GB of RSS for a 1M-event world). So the stream
// is a sequence of consecutive terms: term k is its own world (seed 1000 + k, about 100,000 events,
// ≈1,850 users and 30 sections) in its own time slot [origin + k·span, origin + (k+1)·span), so the
// concatenation stays in time order and only one term's plan is alive at a time. The stream is
// cut at exactly N events, i.e. the last term ends early.
//
// Terms reuse the generator's id ranges (section, user, enrollment, session ids count from fixed
// bases), so a later term re-creates, re-enrolls and re-opens entities with the same ids, as a new
// term of the same LMS would; event UUIDs differ (per-term seed). The prefix of length S of the
// N-event stream is the same events whatever S (term sizes depend on N only), which is what lets
// the windowed run load the first S events of the same stream.
import type { DemoEvent } from '../src/demo/generator.js';
import { generateDemoEvents } from '../src/demo/generator.js';

const TERM_EVENTS = 100_000;
/** Measured: the demo world yields ≈54 events per user (300 users: 53.3; 3,750: 54.5; 19,000: 54.1). */
const EVENTS_PER_USER = 54;
const TERM_SPAN_MS = 84 * 3600_000;
const USERS_PER_SECTION = 62;

export interface StreamPlan {
  total: number;
  rootId: string;
  /** Only events of these types (`--event-types`); every term is then a whole world, filtered. */
  types?: ReadonlySet<string>;
  /** Start of the first term (a whole second), well before now: every event is older than 2 h. */
  origin: number;
  terms: number;
}

/** A filtered stream must keep at least this share of the demo world's events (its terms are sized for it). */
const MIN_TYPE_SHARE = 0.25;

export function planStream(total: number, rootId = '1', now = Date.now(), types?: readonly string[]): StreamPlan {
  // One spare slot, for the (unlikely) case a term yields fewer events than it was sized for.
  const terms = Math.ceil(total / (types ? TERM_EVENTS * MIN_TYPE_SHARE : TERM_EVENTS)) + 1;
  const origin = Math.floor((now - 2 * 3600_000 - terms * TERM_SPAN_MS) / 1000) * 1000;
  return { total, rootId, origin, terms, ...(types ? { types: new Set(types) } : {}) };
}

export interface TermInfo {
  index: number;
  users: number;
  sections: number;
  start: string;
  end: string;
}

/** The first `limit` events (default all) of the plan's stream, generated lazily. */
export function* benchEvents(plan: StreamPlan, limit = plan.total, onTerm?: (t: TermInfo) => void): Generator<DemoEvent> {
  let produced = 0;
  for (let k = 0; produced < limit; k++) {
    if (k >= plan.terms) throw new Error(`bench: the generator yielded only ${produced} of ${limit} events in ${plan.terms} terms${plan.types ? ` (--event-types keeps less than ${MIN_TYPE_SHARE * 100} % of the stream)` : ''}`);
    // Sized from the plan's total, not from `limit`, so every prefix is the same events. A filtered
    // stream takes whole worlds: how many of a term's events pass is only known once generated.
    const target = plan.types ? TERM_EVENTS : Math.min(TERM_EVENTS, plan.total - produced);
    const users = Math.max(2, Math.ceil((target * 1.1) / EVENTS_PER_USER));
    const sections = Math.max(6, Math.round(users / USERS_PER_SECTION));
    const start = new Date(plan.origin + k * TERM_SPAN_MS);
    const end = new Date(start.getTime() + TERM_SPAN_MS);
    onTerm?.({ index: k, users, sections, start: start.toISOString(), end: end.toISOString() });
    let inTerm = 0;
    for (const e of generateDemoEvents({ seed: 1000 + k, users, sections, start, end, rootId: plan.rootId })) {
      if (!plan.types || plan.types.has(eventTypeOf(e))) {
        yield e;
        produced++;
      }
      if (++inTerm >= target || produced >= limit) break;
    }
  }
}

function eventTypeOf(e: DemoEvent): string {
  return String((e.datajson as { eventType?: unknown }).eventType);
}

/** The bus's starting watermark: just before the first event. */
export function sinceOf(plan: StreamPlan): Date {
  return new Date(plan.origin - 1000);
}
