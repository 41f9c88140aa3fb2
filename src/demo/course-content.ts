// The content tree of one course offering: course → modules → lessons → activities, as the
// platform's `Content1` nodes (seed-system.md §3.2: edge path, asset id, learning-path index, the
// ancestors, for-credit points and item counts), plus the pages a learner can navigate to.
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

interface Ancestor {
  assetId: number;
  edgePath: string;
}

/** A node a PageNavEvent can point at. */
export interface DemoPage {
  edgePath: string;
  assetId: number;
  assetGuid: string;
  typeId: string;
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
}

/** The platform's edge path of a course root; other nodes have 32-hex-digit edge paths. */
const ROOT = '_root_';

export function buildOffering(topic: CourseTopic, ids: { next(): number }, rng: Random, opts: { longTitle: boolean }): DemoOffering {
  const contents: Content1Json[] = [];
  const pages: DemoPage[] = [];
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
    pages.push({ edgePath: n.edgePath, assetId: n.assetId, assetGuid: rng.uuid(), typeId, title });
    return n;
  };
  const ref = (n: Content1Json): Ancestor => ({ assetId: n.assetId, edgePath: n.edgePath });
  const credit = (n: Content1Json, points: number, items: number) => {
    if (items === 0) return;
    n.forCreditPointsPossible = (n.forCreditPointsPossible ?? 0) + points;
    n.forCreditItemCount = (n.forCreditItemCount ?? 0) + items;
  };

  const course = node('course.1', topic.title, {}, 'root');
  topic.modules.forEach((moduleTitle, m) => {
    const module = node('module.1', `Module ${m + 1}: ${moduleTitle}`, { parent: ref(course), course: ref(course) });
    const lessons = rng.int(2, 3);
    for (let l = 0; l < lessons; l++) {
      const lessonTitle = `${moduleTitle}, part ${l + 1}`;
      const lesson = node('lesson.1', `Lesson ${m + 1}.${l + 1}: ${lessonTitle}`, { parent: ref(module), course: ref(course), module: ref(module) });
      for (const item of rng.sample(LESSON_ITEMS, rng.int(2, 4))) {
        let title = item.title(lessonTitle);
        // One title longer than asset/page title columns (255 bytes), multi-byte, so the staging
        // layer's byte cut lands inside a character somewhere.
        if (opts.longTitle && m === 0 && l === 0 && item.typeId === 'html.1') title += ' — ' + 'Überblick über Zellmembranen für Anfänger · '.repeat(7);
        const leaf = node(item.typeId, title, { parent: ref(lesson), course: ref(course), module: ref(module), lesson: ref(lesson) });
        if (item.points !== null) {
          credit(leaf, item.points, 1);
          for (const ancestor of [lesson, module, course]) credit(ancestor, item.points, 1);
        }
      }
    }
  });
  // Content outside the learning path (a survey): no index, no ancestors.
  node('survey.1', `${topic.title}: end-of-course survey`, {}, 'outside');

  return { id: ids.next(), groupId: topic.code, name: topic.title, branchId: ids.next(), commitId: ids.next(), contents, pages };
}
