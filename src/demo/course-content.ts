// The content tree of one course offering: course → modules → lessons → activities, as the
// platform's `Content1` nodes (docs/schema.md#event-types: edge path, asset id, learning-path index, the
// ancestors, for-credit points and item counts), plus the pages a learner can navigate to, the
// learning path's activities in order, and the end-of-course survey with its questions.
import type { Random } from './random.js';
import { LESSON_ITEMS, type CourseTopic } from './vocabulary.js';

/** A `PublishContentEvent.Content1` as the platform's Jackson writes it (absent options as null). */
export interface Content1Json {
  assetId: number;
  edgePath: string;
  learningPathIndex: number | null;
  forCreditPointsPossible: number | null;
  forCreditItemCount: number | null;
  parent: Ancestor | null;
  course: Ancestor | null;
  module: Ancestor | null;
  lesson: Ancestor | null;
}

export interface Ancestor {
  assetId: number;
  edgePath: string;
}

/** A node a PageNavEvent can point at (and an asset of the publish event). */
export interface DemoPage {
  edgePath: string;
  assetId: number;
  assetGuid: string;
  typeId: string;
  title: string;
  /** Points possible of a for-credit activity; null for containers and ungraded content. */
  points: number | null;
}

/** A leaf of the learning path, with the containers whose progress it counts in (lesson, module, course). */
export interface DemoItem {
  page: DemoPage;
  /** 0-based position among the offering's items, in learning-path order. */
  index: number;
  ancestors: Ancestor[];
}

/** A survey question: an asset of the publish event, not a node of the content tree. */
export interface DemoQuestion {
  assetId: number;
  assetGuid: string;
  typeId: 'surveyChoiceQuestion.1' | 'surveyEssayQuestion.1';
  title: string;
}

export interface DemoOffering {
  id: number;
  groupId: string;
  name: string;
  branchId: number;
  commitId: number;
  contents: Content1Json[];
  pages: DemoPage[];
  /** The course root. */
  root: DemoPage;
  items: DemoItem[];
  /** The end-of-course survey (a node outside the learning path) and its questions. */
  survey: DemoPage;
  surveyQuestions: DemoQuestion[];
}

const SURVEY_QUESTIONS: readonly Omit<DemoQuestion, 'assetId' | 'assetGuid'>[] = [
  { typeId: 'surveyChoiceQuestion.1', title: 'The course met my expectations.' },
  { typeId: 'surveyChoiceQuestion.1', title: 'The workload was manageable.' },
  { typeId: 'surveyEssayQuestion.1', title: 'What would you change about this course?' },
];

/** The platform's edge path of a course root; other nodes have 32-hex-digit edge paths. */
const ROOT = '_root_';

export function buildOffering(topic: CourseTopic, ids: { next(): number }, rng: Random, opts: { longTitle: boolean }): DemoOffering {
  const contents: Content1Json[] = [];
  const pages: DemoPage[] = [];
  const items: DemoItem[] = [];
  let pathIndex = 0;
  type Parents = Partial<Record<'parent' | 'course' | 'module' | 'lesson', Ancestor>>;
  const node = (typeId: string, title: string, parents: Parents, where: 'root' | 'path' | 'outside' = 'path') => {
    const inPath = where !== 'outside';
    const n: Content1Json = {
      assetId: ids.next(),
      edgePath: where === 'root' ? ROOT : rng.hex(32),
      learningPathIndex: inPath ? pathIndex++ : null,
      forCreditPointsPossible: null,
      forCreditItemCount: null,
      parent: parents.parent ?? null,
      course: parents.course ?? null,
      module: parents.module ?? null,
      lesson: parents.lesson ?? null,
    };
    contents.push(n);
    const page: DemoPage = { edgePath: n.edgePath, assetId: n.assetId, assetGuid: rng.uuid(), typeId, title, points: null };
    pages.push(page);
    return { node: n, page };
  };
  const ref = (n: Content1Json): Ancestor => ({ assetId: n.assetId, edgePath: n.edgePath });
  const credit = (n: Content1Json, points: number, items: number) => {
    if (items === 0) return;
    n.forCreditPointsPossible = (n.forCreditPointsPossible ?? 0) + points;
    n.forCreditItemCount = (n.forCreditItemCount ?? 0) + items;
  };

  const { node: course, page: root } = node('course.1', topic.title, {}, 'root');
  topic.modules.forEach((moduleTitle, m) => {
    const { node: module } = node('module.1', `Module ${m + 1}: ${moduleTitle}`, { parent: ref(course), course: ref(course) });
    const lessons = rng.int(2, 3);
    for (let l = 0; l < lessons; l++) {
      const lessonTitle = `${moduleTitle}, part ${l + 1}`;
      const { node: lesson } = node('lesson.1', `Lesson ${m + 1}.${l + 1}: ${lessonTitle}`, { parent: ref(module), course: ref(course), module: ref(module) });
      for (const item of rng.sample(LESSON_ITEMS, rng.int(2, 4))) {
        let title = item.title(lessonTitle);
        // One title longer than asset/page title columns (255 bytes), multi-byte, so the staging
        // layer's byte cut lands inside a character somewhere.
        if (opts.longTitle && m === 0 && l === 0 && item.typeId === 'html.1') title += ' — ' + 'Überblick über Zellmembranen für Anfänger · '.repeat(7);
        const leaf = node(item.typeId, title, { parent: ref(lesson), course: ref(course), module: ref(module), lesson: ref(lesson) });
        if (item.points !== null) {
          leaf.page.points = item.points;
          credit(leaf.node, item.points, 1);
          for (const ancestor of [lesson, module, course]) credit(ancestor, item.points, 1);
        }
        items.push({ page: leaf.page, index: items.length, ancestors: [ref(lesson), ref(module), ref(course)] });
      }
    }
  });
  // Content outside the learning path (a survey): no index, no ancestors.
  const { page: survey } = node('survey.1', `${topic.title}: end-of-course survey`, {}, 'outside');
  const surveyQuestions = SURVEY_QUESTIONS.map((q) => ({ ...q, assetId: ids.next(), assetGuid: rng.uuid() }));

  return {
    id: ids.next(),
    groupId: topic.code,
    name: topic.title,
    branchId: ids.next(),
    commitId: ids.next(),
    contents,
    pages,
    root,
    items,
    survey,
    surveyQuestions,
  };
}
