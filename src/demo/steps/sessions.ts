// Sessions: a user logs in (SessionEvent start), enters a section (SectionEntryEvent1), navigates
// pages of that section's content or the dashboard (PageNavEvent), sometimes goes idle and comes
// back (became_idle / became_active), and logs out (SessionEvent end). A learner's session with
// planned work (learning.ts) navigates to each activity when the work on it starts, and to a page
// or two besides; the other steps write what happens on those pages.
import type { DemoPage } from '../course-content.js';
import type { Random } from '../random.js';
import type { Activity, DemoDraft, DemoStep } from '../timeline.js';
import type { DemoSession, World } from '../world.js';
import { eventJson, iso } from './event-json.js';

export const sessionsStep: DemoStep = {
  name: 'sessions',
  plan(world, rng) {
    return world.sessions.map((s): Activity => {
      const r = rng.fork();
      return { at: s.start, expand: () => sessionEvents(world, s, r) };
    });
  },
};

function sessionEvents(world: World, s: DemoSession, r: Random): DemoDraft[] {
  const { user, section, role } = s.enrollment;
  const request = (path: string) => ({
    user: { id: user.id, externalId: user.externalId },
    requestUrl: `https://${world.host}${path}`,
    ipAddress: s.ipAddress,
    ...(s.referrer ? { referrer: s.referrer } : {}),
    acceptLanguage: s.acceptLanguage,
    userAgent: s.userAgent,
    authMethod: s.authMethod,
  });
  const loginPath = s.authMethod === 'lti' ? '/lwlti/launch' : '/control/login';
  if (s.withoutId) return [eventJson(r, world, 'SessionEvent', s.start, { actionType: 'start', ...request(loginPath) })];

  const events: DemoDraft[] = [eventJson(r, world, 'SessionEvent', s.start, { actionType: 'start', sessionId: s.id, ...request(loginPath) })];
  let t = s.start + r.int(1_000, 20_000);
  events.push(
    eventJson(r, world, 'SectionEntryEvent1', t, {
      actionType: 'enter',
      sessionId: s.id,
      user: user.data,
      role,
      sectionId: section.id,
      ...(s.originSectionId !== null ? { originSectionId: s.originSectionId } : {}),
    }),
  );

  if (s.work.length > 0) {
    const entered = t;
    const times: number[] = [];
    if (s.longUrl) events.push(pageNav(world, s, r, (t = entered + 2_000), 0));
    for (const w of s.work) {
      events.push(navTo(world, s, r, w.from, w.item.page));
      times.push(w.from);
    }
    const extra = r.int(0, 2);
    for (let i = 0; i < extra; i++) {
      const at = Math.floor(r.between(entered + 1_000, Math.max(entered + 1_000, s.end - 5_000)));
      events.push(pageNav(world, s, r, at, i + 1));
      times.push(at);
    }
    const lastActive = Math.max(t, ...times);
    events.push(eventJson(r, world, 'SessionEvent', Math.max(lastActive, s.end), { actionType: 'end', sessionId: s.id, ...request('/control/logout'), lastActive: iso(lastActive) }));
    return events;
  }

  const navs = r.int(2, 6);
  const step = Math.max(1_000, Math.floor((s.end - t) / (navs + 2)));
  const idleAfter = r.chance(0.1) ? r.int(0, navs - 1) : -1;
  for (let i = 0; i < navs; i++) {
    t += Math.floor(step * r.between(0.6, 1.4));
    events.push(pageNav(world, s, r, t, i));
    if (i === idleAfter) {
      const lastActive = t;
      t += Math.floor(step * 0.5);
      events.push(eventJson(r, world, 'SessionEvent', t, { actionType: 'became_idle', sessionId: s.id, ...request('/api/v2/sessions/idle'), lastActive: iso(lastActive) }));
      t += Math.floor(step * 0.4);
      events.push(eventJson(r, world, 'SessionEvent', t, { actionType: 'became_active', sessionId: s.id, ...request('/api/v2/sessions/active'), becameActive: iso(t) }));
    }
  }
  const lastActive = t;
  events.push(eventJson(r, world, 'SessionEvent', Math.max(t, s.end), { actionType: 'end', sessionId: s.id, ...request('/control/logout'), lastActive: iso(lastActive) }));
  return events;
}

function pageNav(world: World, s: DemoSession, r: Random, t: number, index: number): DemoDraft {
  const { user, section, role } = s.enrollment;
  const base = { actionType: 'navigate', sessionId: s.id, clientTime: iso(t - r.int(40, 900)), user: { id: user.id, externalId: user.externalId } };
  if (s.longUrl && index === 0) {
    // A search whose URL is longer than every 1024-byte URL column.
    const q = encodeURIComponent('membrane transport — Überblick, 细胞膜 ').repeat(18);
    return eventJson(r, world, 'PageNavEvent', t, { ...base, url: `https://${world.host}/search?q=${q}&page=1`, title: 'Search' });
  }
  if (index === 0 && r.chance(0.3)) {
    return eventJson(r, world, 'PageNavEvent', t, { ...base, url: `https://${world.host}/`, title: 'Dashboard' });
  }
  const pages = section.offering.pages;
  const discussions = pages.filter((p) => p.typeId === 'discussion.1');
  const page: DemoPage = role === 'instructor' && discussions.length > 0 && r.chance(0.5) ? r.pick(discussions) : r.pick(pages);
  return navTo(world, s, r, t, page);
}

/** A PageNavEvent to a page of the session's section. */
function navTo(world: World, s: DemoSession, r: Random, t: number, page: DemoPage): DemoDraft {
  const { user, section } = s.enrollment;
  const base = { actionType: 'navigate', sessionId: s.id, clientTime: iso(t - r.int(40, 900)), user: { id: user.id, externalId: user.externalId } };
  const o = section.offering;
  return eventJson(r, world, 'PageNavEvent', t, {
    ...base,
    url: `https://${world.host}/Courses/${section.externalId}/#/content/${page.edgePath}`,
    title: `${page.title} | ${section.name}`,
    course: { section: { id: section.id, externalId: section.externalId }, offeringId: o.id, branchId: o.branchId, commitId: o.commitId },
    content: { contentId: page.edgePath, assetId: page.assetGuid },
    contentType: page.typeId,
    contentTitle: page.title,
    ...(r.chance(0.5) ? { er: false } : {}),
  });
}
