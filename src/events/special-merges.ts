// The merges that are not "the latest put wins": applied in event order within the load, they
// leave the row the table's write rule would leave after the puts one by one
// (docs/design.md#latest-wins, docs/schema.md#write-rules). Each is `merge(kept, later)` for
// keyed-tables.ts's keyed: `later` is the combiner's own values of the new put, `kept` the key's
// row so far (undefined for its first put).
import type { Kept, Layout, Values } from './row-layout.js';

export type Merge = (kept: Kept | undefined, later: Values) => Kept;

const REPLY = ['instructorreplyuserid', 'instructorreplytime', 'instructorreplyhourlag'] as const;

const absent = (v: unknown) => v === null || v === undefined;

/** discussionpost: the first row stays; its reply columns are filled from a later put only while all three are null. */
export function firstInstructorReply(layout: Layout): Merge {
  const reply = REPLY.map((c) => layout.at(c));
  return (kept, later) => {
    if (kept === undefined) return layout.keep(later);
    const first = layout.valuesOf(kept);
    if (!reply.every((i) => absent(first[i]))) return kept;
    for (const i of reply) first[i] = later[i] ?? null;
    return layout.keep(first);
  };
}

/** qnathread: the first row; each reply field keeps its first non-null value; studentclosed is sticky; categories are the latest. */
export function qnaThread(layout: Layout): Merge {
  const reply = REPLY.map((c) => layout.at(c));
  const [closed, category, subcategory] = [layout.at('studentclosed'), layout.at('category'), layout.at('subcategory')];
  return (kept, later) => {
    if (kept === undefined) return layout.keep(later);
    const first = layout.valuesOf(kept);
    for (const i of reply) first[i] = first[i] ?? later[i] ?? null;
    first[closed] = first[closed] === true || later[closed] === true;
    first[category] = later[category] ?? null;
    first[subcategory] = later[subcategory] ?? null;
    return layout.keep(first);
  };
}
