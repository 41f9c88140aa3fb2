import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const root = { assetId: 91001, edgePath: '_root_' };
const module1 = { assetId: 91002, edgePath: '4b0f5a1c2d3e4f5061728394a5b6c7d8' };
const lesson1 = { assetId: 91003, edgePath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b' };

const publish = {
  eventType: 'PublishContentEvent1',
  id: '0b7e3a52-4f0c-4d8e-9c1a-6e2f7d3b9a10',
  time: '2025-03-14T15:09:26.535Z',
  sessionId: 4417,
  source: 'lms.example.edu',
  actionType: 'update',
  assets: [
    { id: 91001, name: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', typeId: 'course.1', title: 'Introduction to Biology' },
    { id: 91004, name: '6fa459ea-ee8a-4ca4-894e-db77e160355e', typeId: 'assessment.1', title: 'Quiz: Cells', keywords: 'cells, membranes', forCredit: true, pointsPossible: 10.5 },
    { id: 91005, name: '16fd2706-8baf-433b-82eb-8c7fada847da', typeId: 'surveyEssayQuestion.1', title: 'What did you like most?' },
  ],
  contents: [
    { assetId: 91001, edgePath: '_root_', learningPathIndex: 0, forCreditPointsPossible: 10.5, forCreditItemCount: 1 },
    { assetId: 91004, edgePath: 'c0ffee0123456789abcdef0123456789', learningPathIndex: 3, forCreditPointsPossible: 10.5, forCreditItemCount: 1, parent: lesson1, course: root, module: module1, lesson: lesson1 },
  ],
  sectionIds: [3012, 3013],
};

const asset = (over: object) => ({ title: null, keywords: null, forcredit: null, pointspossible: null, ...over });
const rootRow = {
  edgepath: '_root_',
  assetid: 91001,
  parentedgepath: null,
  parentassetid: null,
  courseassetid: null,
  moduleedgepath: null,
  moduleassetid: null,
  lessonedgepath: null,
  lessonassetid: null,
  forcreditpointspossible: 10.5,
  forcredititemcount: 1,
  learningpathindex: 0,
};
const quizRow = {
  edgepath: 'c0ffee0123456789abcdef0123456789',
  assetid: 91004,
  parentedgepath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
  parentassetid: 91003,
  courseassetid: 91001,
  moduleedgepath: '4b0f5a1c2d3e4f5061728394a5b6c7d8',
  moduleassetid: 91002,
  lessonedgepath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
  lessonassetid: 91003,
  forcreditpointspossible: 10.5,
  forcredititemcount: 1,
  learningpathindex: 3,
};

describe('PublishContentEvent1', () => {
  it('puts every asset and a sectioncontent row for every (section, content) pair', () => {
    expect(opsOf(publish)).toEqual([
      { table: 'asset', op: 'put', row: asset({ id: 91001, name: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', typeid: 'course.1', title: 'Introduction to Biology' }) },
      {
        table: 'asset',
        op: 'put',
        row: { id: 91004, name: '6fa459ea-ee8a-4ca4-894e-db77e160355e', typeid: 'assessment.1', title: 'Quiz: Cells', keywords: 'cells, membranes', forcredit: true, pointspossible: 10.5 },
      },
      { table: 'asset', op: 'put', row: asset({ id: 91005, name: '16fd2706-8baf-433b-82eb-8c7fada847da', typeid: 'surveyEssayQuestion.1', title: 'What did you like most?' }) },
      { table: 'sectioncontent', op: 'put', row: { sectionid: 3012, ...rootRow } },
      { table: 'sectioncontent', op: 'put', row: { sectionid: 3012, ...quizRow } },
      { table: 'sectioncontent', op: 'put', row: { sectionid: 3013, ...rootRow } },
      { table: 'sectioncontent', op: 'put', row: { sectionid: 3013, ...quizRow } },
    ]);
  });

  it('puts only the assets on a first publish (no sectionIds: NON_EMPTY omits the empty list)', () => {
    const ops = opsOf(without(publish, 'sectionIds'));
    expect(ops.map((o) => o.table)).toEqual(['asset', 'asset', 'asset']);
  });

  it('reads absent lists as empty', () => {
    expect(opsOf(without(publish, 'assets', 'contents'))).toEqual([]);
  });

  it('refuses an asset without its UUID name or type (NOT NULL columns)', () => {
    expect(() => opsOf({ ...publish, assets: [{ id: 1, typeId: 'html.1' }] })).toThrow(/assets\[0\]\.name/);
    expect(() => opsOf({ ...publish, assets: [{ id: 1, name: 'x' }] })).toThrow(/assets\[0\]\.typeId/);
  });
});
