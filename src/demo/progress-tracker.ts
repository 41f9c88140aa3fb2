// One learner's progress through an offering, as the platform's lightweight progress service
// reports it: per learning-path activity (total 1) and per container (the sums over its
// activities). An update returns only the nodes it changed (docs/schema.md#event-types, ProgressPutEvent2).
import type { Ancestor, DemoItem, DemoOffering } from './course-content.js';
import type { ProgressValueJson } from './learning-plan.js';

interface Leaf {
  visited: boolean;
  completed: boolean;
  skipped: boolean;
  /** A for-credit activity the learner has submitted work for. */
  graded: boolean;
}

export interface ProgressTracker {
  /** Marks the activity and returns the values of it and its containers. */
  update(item: DemoItem, change: Partial<Leaf>): ProgressValueJson[];
  /** The share of the offering's activities completed or skipped, 0..1. */
  done(): number;
}

export function createProgressTracker(offering: DemoOffering): ProgressTracker {
  const leaves = new Map<string, Leaf>();
  const under = new Map<string, DemoItem[]>(); // container edge path → its activities
  for (const item of offering.items) {
    for (const a of item.ancestors) under.set(a.edgePath, [...(under.get(a.edgePath) ?? []), item]);
  }
  const leafOf = (item: DemoItem): Leaf => leaves.get(item.page.edgePath) ?? { visited: false, completed: false, skipped: false, graded: false };

  const value = (node: Ancestor, items: DemoItem[]): ProgressValueJson => {
    const states = items.map(leafOf);
    const credit = items.filter((i) => i.page.points !== null);
    const v: ProgressValueJson = {
      edgePath: node.edgePath,
      assetId: node.assetId,
      completions: states.filter((s) => s.completed).length,
      total: items.length,
      visited: states.filter((s) => s.visited).length,
      testedOut: 0,
      skipped: states.filter((s) => s.skipped).length,
    };
    if (credit.length > 0) {
      v.forCreditGrades = credit.filter((i) => leafOf(i).graded).length;
      v.forCreditGradesPossible = credit.length;
    }
    return v;
  };

  return {
    update(item, change) {
      leaves.set(item.page.edgePath, { ...leafOf(item), ...change });
      return [value(item.page, [item]), ...item.ancestors.map((a) => value(a, under.get(a.edgePath) ?? []))];
    },
    done() {
      const finished = offering.items.filter((i) => leafOf(i).completed || leafOf(i).skipped).length;
      return offering.items.length === 0 ? 0 : finished / offering.items.length;
    },
  };
}
