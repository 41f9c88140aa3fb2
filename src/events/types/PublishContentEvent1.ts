// PublishContentEvent1 → asset (insert-new) for every asset, and sectioncontent (set-replace per
// section) for every (sectionId, content) pair. docs/schema.md#event-types. On an offering's first publish
// `sectionIds` is empty (omitted: the class is NON_EMPTY), so only the assets load; a publish-update
// replaces the content set of each listed section. Lists are read null-safely, as the reference
// did. The session key (`sessionId` or `session`) is not loaded.
import { z } from 'zod';
import type { Rows } from '../../model/tables.js';
import { commonFields } from '../envelope.js';
import { defineHandler, put, type RowOp } from '../handler.js';
import { content1Schema, long, optString, rsSectionContent } from '../shapes.js';

/** `PublishContentEvent.Asset1`: `name` is the asset's UUID and `typeId` its type (NOT NULL both). */
const asset1Schema = z.object({
  id: long,
  name: z.string(),
  typeId: z.string(),
  title: optString,
  keywords: optString,
  forCredit: z.boolean().nullish(),
  pointsPossible: z.number().nullish(),
});

const schema = z.object({
  ...commonFields,
  assets: z.array(asset1Schema).nullish(),
  contents: z.array(content1Schema).nullish(),
  sectionIds: z.array(long).nullish(),
});

function rsAsset(a: z.output<typeof asset1Schema>): Rows['asset'] {
  return {
    id: a.id,
    name: a.name,
    typeid: a.typeId,
    title: a.title ?? null,
    keywords: a.keywords ?? null,
    forcredit: a.forCredit ?? null,
    pointspossible: a.pointsPossible ?? null,
  };
}

export const handler = defineHandler({
  type: 'PublishContentEvent1',
  schema,
  transform: (e) => {
    const ops: RowOp[] = (e.assets ?? []).map((a) => put('asset', rsAsset(a)));
    const contents = e.contents ?? [];
    for (const sectionId of e.sectionIds ?? []) {
      for (const c of contents) ops.push(put('sectioncontent', rsSectionContent(sectionId, c)));
    }
    return ops;
  },
});
