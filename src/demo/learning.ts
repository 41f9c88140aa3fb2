// Plans what happens inside the sessions: each learner works through the learning path of their
// section a few activities per session (reading, quizzes scored on submission, assignments scored
// later by the instructor, discussion posts), reports progress, asks the odd question, and answers
// the end-of-course survey once well along. Instructors act in their own sessions of the section:
// they score assignments, reply to discussion threads (the first reply is the one Redshift keeps;
// some threads get a second), answer and categorise questions, start threads, and now and then
// invalidate an attempt and unset its grade.
//
// The learner whose data is obfuscated at the end (world.forgotten) is left alone by instructors,
// so nothing mentions them after their last session.
import type { DemoItem, DemoOffering } from './course-content.js';
import type { DemoAttempt, DemoPost, DemoSurveySubmission, DemoThread, InstructorAction, Learning } from './learning-plan.js';
import { createProgressTracker } from './progress-tracker.js';
import type { Random } from './random.js';
import { SURVEY_ESSAYS, SURVEY_CHOICES } from './vocabulary.js';
import type { DemoEnrollment, DemoSession, World } from './world.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** A session's first half minute is the login and the section entry; the last seconds the logout. */
const SETTLE = 30 * SECOND;
const QUIZ_TIMER_MINUTES = 20;

function counter(base: number) {
  let n = base;
  return { next: () => n++ };
}

/** The part of a session in which its user can act, or null when too short. */
function actingWindow(s: DemoSession, minLength = 0): { from: number; to: number } | null {
  const from = s.start + SETTLE;
  const to = s.end - 15 * SECOND;
  return to - from >= minLength ? { from, to } : null;
}

export function planLearning(world: Omit<World, 'learning'>, rng: Random): Learning {
  const learning: Learning = { progress: [], attempts: [], posts: [], threads: [], surveys: [] };
  const ids = { attempt: counter(6_000_001), post: counter(7_000_001), thread: counter(8_000_001), question: counter(8_500_001) };

  const sessionsOf = new Map<number, DemoSession[]>(); // enrollment id → its usable sessions, in time order
  for (const s of world.sessions) {
    if (s.withoutId) continue;
    sessionsOf.set(s.enrollment.id, [...(sessionsOf.get(s.enrollment.id) ?? []), s]);
  }
  const instructorSessions = new Map<number, DemoSession[]>(); // section id → instructors' sessions
  for (const e of world.enrollments) {
    if (e.role !== 'instructor') continue;
    const list = [...(instructorSessions.get(e.section.id) ?? []), ...(sessionsOf.get(e.id) ?? [])];
    instructorSessions.set(e.section.id, list.sort((a, b) => a.start - b.start));
  }

  /** An instructor of the section acting after `t`: in their next session, or now and then the one after. */
  const instructorAfter = (learner: DemoEnrollment, t: number): InstructorAction | null => {
    if (learner.id === world.forgotten?.id) return null;
    const later = (instructorSessions.get(learner.section.id) ?? []).filter((s) => (actingWindow(s)?.to ?? 0) > t + MINUTE);
    const s = later[rng.chance(0.25) ? 1 : 0] ?? later[0];
    const w = s && actingWindow(s);
    if (!s || !w) return null;
    const from = Math.max(w.from, t + MINUTE);
    return { instructor: s.enrollment, session: s, at: Math.floor(rng.between(from, w.to)) };
  };

  for (const enrollment of world.enrollments) {
    if (enrollment.role !== 'student') continue;
    const offering = enrollment.section.offering;
    const progress = createProgressTracker(offering);
    const sessions = sessionsOf.get(enrollment.id) ?? [];
    let next = 0; // the next activity of the learning path
    let surveyed = false;
    sessions.forEach((session, i) => {
      const w = actingWindow(session, 4 * MINUTE);
      if (!w) return;
      const planned: DemoItem[] = [];
      const wanted = rng.int(1, 3);
      let t = w.from;
      while (planned.length < wanted && next < offering.items.length) {
        const item = offering.items[next++] as DemoItem;
        if ((item.page.typeId === 'html.1' || item.page.typeId === 'resource.1') && rng.chance(0.05)) {
          // Marked as skipped from the course outline: no visit.
          learning.progress.push({ session, at: (t += 5 * SECOND), values: progress.update(item, { skipped: true }) });
          continue;
        }
        planned.push(item);
      }
      const part = (w.to - t) / Math.max(1, planned.length);
      planned.forEach((item, k) => {
        const start = t + k * part;
        const from = Math.floor(start + rng.between(0, 0.15) * part);
        const to = Math.floor(start + rng.between(0.7, 0.95) * part);
        session.work.push({ session, item, from, to });
        planActivity(session, item, from, to);
        if (rng.chance(0.05)) planQuestion(session, item, Math.floor((from + to) / 2), sessions.slice(i + 1));
      });
      const last = session.work.at(-1);
      if (!surveyed && last && (progress.done() >= 0.4 || (i === sessions.length - 1 && rng.chance(0.35))) && rng.chance(0.6)) {
        surveyed = true;
        planSurvey(session, last.to + 5 * SECOND, offering);
      }
    });

    function planActivity(session: DemoSession, item: DemoItem, from: number, to: number): void {
      const type = item.page.typeId;
      if (type === 'assessment.1' || type === 'assignment.1') {
        const manual = type === 'assignment.1';
        const possible = item.page.points ?? 10;
        const createdAt = from + rng.int(5, 30) * SECOND;
        // Every third quiz is timed; a learner who stays past the timer is submitted automatically.
        const maxMinutes = !manual && item.page.assetId % 3 === 0 ? QUIZ_TIMER_MINUTES : null;
        const autoSubmitted = maxMinutes !== null && to - createdAt > maxMinutes * MINUTE && rng.chance(0.3);
        const submittedAt = autoSubmitted ? createdAt + QUIZ_TIMER_MINUTES * MINUTE : Math.max(createdAt + SECOND, to - 2 * SECOND);
        const awarded = manual ? rng.int(24, 80) / 4 : Math.min(possible, rng.int(possible, 2 * possible + 2) / 2);
        const attempt: DemoAttempt = {
          id: ids.attempt.next(),
          session,
          item,
          createdAt,
          submittedAt,
          manual,
          maxMinutes,
          autoSubmitted,
          possible,
          score: null,
          unset: null,
        };
        if (!manual) attempt.score = { at: submittedAt, by: null, awarded };
        else if (rng.chance(0.85)) {
          const by = instructorAfter(session.enrollment, submittedAt);
          if (by) attempt.score = { at: by.at, by, awarded };
        }
        if (attempt.score && rng.chance(0.08)) {
          const by = instructorAfter(session.enrollment, attempt.score.at);
          if (by) {
            // A corrected grade a minute later, still in the instructor's session.
            const later = Math.max(by.at + SECOND, Math.min(by.at + rng.int(20, 90) * SECOND, by.session.end - 5 * SECOND));
            const regrade = rng.chance(0.5) ? { at: later, awarded: Math.min(possible, rng.int(2, 4 * possible) / 4) } : null;
            attempt.unset = { ...by, regrade };
          }
        }
        learning.attempts.push(attempt);
        learning.progress.push({ session, at: submittedAt, values: progress.update(item, { visited: true, completed: true, graded: true }) });
        return;
      }
      if (type === 'discussion.1') {
        const at = Math.floor(from + 0.7 * (to - from));
        const earlier = learning.posts.filter((p) => p.item === item && p.author.section === session.enrollment.section && p.depth === 0 && p.at < at);
        const depth = earlier.length > 0 && rng.chance(0.4) ? 1 : 0;
        const post: DemoPost = { id: ids.post.next(), author: session.enrollment, session, item, at, depth, replies: [] };
        if (depth === 0 && rng.chance(0.65)) {
          const first = instructorAfter(session.enrollment, at);
          if (first) {
            post.replies.push({ ...first, postId: ids.post.next() });
            const second = rng.chance(0.3) ? instructorAfter(session.enrollment, first.at) : null;
            if (second && second.at > first.at) post.replies.push({ ...second, postId: ids.post.next() });
          }
        }
        learning.posts.push(post);
        learning.progress.push({ session, at: to, values: progress.update(item, { visited: true, completed: true, graded: item.page.points !== null }) });
        return;
      }
      learning.progress.push({ session, at: to, values: progress.update(item, { visited: true, completed: rng.chance(0.9) }) });
    }

    function planQuestion(session: DemoSession, item: DemoItem, createdAt: number, later: DemoSession[]): void {
      const thread: DemoThread = { id: ids.thread.next(), questionId: ids.question.next(), session, item, createdAt, reply: null, categories: [], closed: null };
      const reply = rng.chance(0.8) ? instructorAfter(session.enrollment, createdAt) : null;
      if (reply) {
        thread.reply = reply;
        if (rng.chance(0.5)) thread.categories.push({ ...reply, ...rng.pick(CATEGORIES) });
        const again = rng.chance(0.3) ? instructorAfter(session.enrollment, reply.at) : null;
        if (again && again.at > reply.at) thread.categories.push({ ...again, ...rng.pick(CATEGORIES) });
        const back = later.find((s) => s.start > reply.at && actingWindow(s) !== null);
        const w = back && actingWindow(back);
        if (back && w && rng.chance(0.5)) thread.closed = { session: back, at: Math.floor(rng.between(w.from, w.to)) };
      }
      learning.threads.push(thread);
    }

    function planSurvey(session: DemoSession, at: number, o: DemoOffering): void {
      const responses = o.surveyQuestions.flatMap((question): DemoSurveySubmission['responses'] => {
        if (question.typeId === 'surveyChoiceQuestion.1') return [{ question, response: rng.pick(SURVEY_CHOICES) }];
        return rng.chance(0.6) ? [{ question, response: rng.pick(SURVEY_ESSAYS) }] : [];
      });
      learning.surveys.push({ session, at, version: rng.chance(0.15) ? 1 : 2, attemptId: rng.uuid(), responses });
    }
  }

  // Instructors start threads of their own on the section's discussions.
  for (const [, sessions] of instructorSessions) {
    for (const session of sessions) {
      const discussions = session.enrollment.section.offering.items.filter((i) => i.page.typeId === 'discussion.1');
      const w = actingWindow(session);
      if (discussions.length === 0 || !w || !rng.chance(0.3)) continue;
      const at = Math.floor(rng.between(w.from, w.to));
      learning.posts.push({ id: ids.post.next(), author: session.enrollment, session, item: rng.pick(discussions), at, depth: 0, replies: [] });
    }
  }

  // One essay longer than the 4096-byte response column, multi-byte, for the staging layer's cut.
  const essay = learning.surveys.flatMap((s) => s.responses).find((r) => r.question.typeId === 'surveyEssayQuestion.1');
  if (essay) essay.response = `${essay.response} ${'Me gustó mucho — 很有帮助! '.repeat(160)}`.trim();
  return learning;
}

const CATEGORIES = [
  { category: 'Content', subcategory: 'Clarification' },
  { category: 'Content', subcategory: 'Typo' },
  { category: 'Technical', subcategory: 'Video playback' },
  { category: 'Assessment', subcategory: null },
] as const;
