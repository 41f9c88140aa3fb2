// Publishing: each offering's content is published before anything uses it (PublishContentEvent1
// at the start, a first publish: every asset, no sections yet), and published again mid-term (a
// publish-update: the assets of one module re-sent, and the content set of every section of the
// offering that exists then). Admin actions in the admin's session.
import type { DemoOffering, DemoPage } from '../course-content.js';
import type { Activity, DemoStep } from '../timeline.js';
import type { World } from '../world.js';
import { eventJson } from './event-json.js';

/** `PublishContentEvent.Asset1` (NON_EMPTY: absent options left out). */
function asset1(p: { assetId: number; assetGuid: string; typeId: string; title: string; points?: number | null }) {
  // Quizzes and lessons are tagged with their topic ("Quiz: Genetics, part 2" → "genetics").
  const keywords = p.typeId === 'assessment.1' || p.typeId === 'lesson.1' ? (p.title.split(/[:,]/)[1]?.trim().toLowerCase() ?? '') : '';
  return {
    id: p.assetId,
    name: p.assetGuid,
    typeId: p.typeId,
    title: p.title,
    ...(keywords ? { keywords } : {}),
    ...(p.points !== null && p.points !== undefined ? { forCredit: true, pointsPossible: p.points } : {}),
  };
}

function assets(o: DemoOffering, pages: DemoPage[], withQuestions: boolean) {
  return [...pages.map(asset1), ...(withQuestions ? o.surveyQuestions.map(asset1) : [])];
}

export const publishStep: DemoStep = {
  name: 'publish',
  plan(world: World, rng) {
    const activities: Activity[] = [];
    const offerings = [...new Set(world.sections.map((s) => s.offering))];
    const span = world.end - world.start;
    offerings.forEach((o, i) => {
      const r = rng.fork();
      const first = world.start + i;
      activities.push({
        at: first,
        expand: () => [eventJson(r, world, 'PublishContentEvent1', first, { actionType: 'update', sessionId: world.adminSessionId, assets: assets(o, o.pages, true), contents: o.contents })],
      });
      const update = world.start + Math.floor(span * r.between(0.4, 0.5));
      const sections = world.sections.filter((s) => s.offering === o && s.createdAt < update && (s.deletedAt === null || s.deletedAt > update));
      if (sections.length === 0) return;
      // The re-sent assets of one module: insert-new keeps the first version of each.
      const moduleEdge = r.pick(o.items).ancestors[1]?.edgePath;
      const resent = o.pages.filter((p) => o.items.some((it) => it.page === p && it.ancestors[1]?.edgePath === moduleEdge)).map((p) => ({ ...p, title: `${p.title} (rev. 2)` }));
      activities.push({
        at: update,
        expand: () => [
          eventJson(r, world, 'PublishContentEvent1', update, {
            actionType: 'update',
            sessionId: world.adminSessionId,
            assets: assets(o, resent, false),
            contents: o.contents,
            sectionIds: sections.map((s) => s.id),
          }),
        ],
      });
    });
    return activities;
  },
};
