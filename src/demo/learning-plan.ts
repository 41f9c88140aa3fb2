// What learners and instructors do in the demo LMS, planned before any event is written (the
// types; learning.ts plans them). Each entry carries its times and the session it happens in, so
// the steps (steps/*.ts) only turn entries into events.
import type { DemoItem, DemoQuestion } from './course-content.js';
import type { DemoEnrollment, DemoSession } from './world.js';

/** A learner working on one learning-path activity during a session: navigates to it at `from`, leaves at `to`. */
export interface DemoWork {
  session: DemoSession;
  item: DemoItem;
  from: number;
  to: number;
}

/** A `ProgressPutEvent.PValue2` as the platform writes it (absent options left out). */
export interface ProgressValueJson {
  edgePath: string;
  assetId: number;
  completions: number;
  total: number;
  visited: number;
  testedOut: number;
  skipped: number;
  forCreditGrades?: number;
  forCreditGradesPossible?: number;
}

/** One ProgressPutEvent2: the nodes whose progress changed (the activity and its containers). */
export interface DemoProgressUpdate {
  session: DemoSession;
  at: number;
  values: ProgressValueJson[];
}

/** An instructor doing something in one of their sessions of the section. */
export interface InstructorAction {
  instructor: DemoEnrollment;
  session: DemoSession;
  at: number;
}

export interface DemoAttempt {
  id: number;
  /** The learner's session the attempt is made in (`session.enrollment` is the learner). */
  session: DemoSession;
  item: DemoItem;
  createdAt: number;
  submittedAt: number;
  /** Instructor-scored (assignments) or scored on submission (quizzes). */
  manual: boolean;
  maxMinutes: number | null;
  autoSubmitted: boolean;
  possible: number;
  /** Scored on submission (`by` null), by an instructor later, or not yet (null). */
  score: { at: number; by: InstructorAction | null; awarded: number } | null;
  /** An instructor invalidates the attempt and unsets its grade, sometimes entering another grade right after. */
  unset: (InstructorAction & { regrade: { at: number; awarded: number } | null }) | null;
}

export interface DemoPost {
  id: number;
  author: DemoEnrollment;
  session: DemoSession;
  item: DemoItem;
  at: number;
  /** 0 starts a thread; 1 replies to one. */
  depth: number;
  /** Instructor replies to a learner's thread, in order; each is a post of its own and updates this one. */
  replies: (InstructorAction & { postId: number })[];
}

export interface DemoThread {
  id: number;
  questionId: number;
  session: DemoSession;
  item: DemoItem;
  createdAt: number;
  reply: InstructorAction | null;
  /** Categorisations by the instructor, in order (the first often with the reply). */
  categories: (InstructorAction & { category: string; subcategory: string | null })[];
  /** The learner closes the thread in a later session of theirs. */
  closed: { session: DemoSession; at: number } | null;
}

export interface DemoSurveySubmission {
  session: DemoSession;
  at: number;
  version: 1 | 2;
  attemptId: string;
  responses: { question: DemoQuestion; response: string }[];
}

export interface Learning {
  progress: DemoProgressUpdate[];
  attempts: DemoAttempt[];
  posts: DemoPost[];
  threads: DemoThread[];
  surveys: DemoSurveySubmission[];
}
