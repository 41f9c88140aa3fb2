// Merges the events of many planned activities into one stream in non-decreasing time order,
// lazily: activities are expanded in order of their start, and an event is released once no
// activity still to come can start before it. Memory holds the plan plus the events of the
// activities in flight, not the whole stream.
import type { Random } from './random.js';
import type { World } from './world.js';

/** One event before it is written to the outbox. `datajson.id` is the event UUID. */
export interface DemoDraft {
  time: number;
  datajson: { eventType: string; id: string } & Record<string, unknown>;
}

/** Something that happens at `at` and produces events at or after it (a session, an enrollment). */
export interface Activity {
  at: number;
  /** Events of the activity; times before `at` or after the world's end are clamped into range. */
  expand(): DemoDraft[];
}

/** A producer of activities from the plan: one per kind of story (sections, enrollments, sessions, ...). */
export interface DemoStep {
  readonly name: string;
  plan(world: World, rng: Random): Activity[];
}

interface Pending {
  draft: DemoDraft;
  order: number;
}

export function* mergeByTime(activities: Activity[], end: number): Generator<DemoDraft> {
  const sorted = activities.map((a, i) => ({ a, i })).sort((x, y) => x.a.at - y.a.at || x.i - y.i);
  const heap: Pending[] = [];
  let order = 0;
  for (const { a } of sorted) {
    while (heap.length > 0 && (heap[0] as Pending).draft.time <= a.at) yield pop(heap).draft;
    for (const draft of a.expand()) {
      draft.time = Math.min(end, Math.max(a.at, draft.time));
      push(heap, { draft, order: order++ });
    }
  }
  while (heap.length > 0) yield pop(heap).draft;
}

const before = (x: Pending, y: Pending) => x.draft.time < y.draft.time || (x.draft.time === y.draft.time && x.order < y.order);

function push(heap: Pending[], item: Pending): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i] as Pending, heap[parent] as Pending)) break;
    [heap[i], heap[parent]] = [heap[parent] as Pending, heap[i] as Pending];
    i = parent;
  }
}

function pop(heap: Pending[]): Pending {
  const top = heap[0] as Pending;
  const last = heap.pop() as Pending;
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l] as Pending, heap[m] as Pending)) m = l;
      if (r < heap.length && before(heap[r] as Pending, heap[m] as Pending)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m] as Pending, heap[i] as Pending];
      i = m;
    }
  }
  return top;
}
