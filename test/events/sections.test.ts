import { describe, expect, it } from 'vitest';
import { opsOf, without } from './support.js';

const create = {
  eventType: 'SectionCreateEvent2',
  id: '5b1c3f5e-8f1e-4a53-9c59-0e5f0b0b2a11',
  session: 4417,
  source: 'lms.example.edu',
  time: '2025-03-14T15:09:26.535Z',
  actionType: 'create',
  section: { id: 3012, externalId: 'BIO-101-S25', name: 'Introduction to Biology — Spring' },
  offeringId: 2900,
  offeringGroupId: 'BIO-101',
  offeringName: 'Introduction to Biology',
  contents: [
    {
      assetId: 91001,
      edgePath: '_root_',
      learningPathIndex: 0,
      forCreditPointsPossible: 120.5,
      forCreditItemCount: 6,
      parent: null,
      course: null,
      module: null,
      lesson: null,
    },
    {
      assetId: 91002,
      edgePath: '4b0f5a1c2d3e4f5061728394a5b6c7d8',
      learningPathIndex: 1,
      forCreditPointsPossible: 60,
      forCreditItemCount: 3,
      parent: { assetId: 91001, edgePath: '_root_' },
      course: { assetId: 91001, edgePath: '_root_' },
      module: null,
      lesson: null,
    },
    {
      assetId: 91003,
      edgePath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
      learningPathIndex: 2,
      forCreditPointsPossible: null,
      forCreditItemCount: null,
      parent: { assetId: 91002, edgePath: '4b0f5a1c2d3e4f5061728394a5b6c7d8' },
      course: { assetId: 91001, edgePath: '_root_' },
      module: { assetId: 91002, edgePath: '4b0f5a1c2d3e4f5061728394a5b6c7d8' },
    },
  ],
  integration: { uniqueId: 'sis-3012', system: { id: 77, systemId: 'banner', name: 'Banner SIS' } },
  disabled: false,
  startDate: '2025-01-13T05:00:00Z',
  endDate: '2025-05-09T04:59:59.999Z',
  groupId: 'G-BIO-101-01',
};

const sectionRow = {
  id: 3012,
  externalid: 'BIO-101-S25',
  name: 'Introduction to Biology — Spring',
  integrationuniqueid: 'sis-3012',
  integrationsystemid: 77,
  integrationsystemidentifier: 'banner',
  integrationsystemname: 'Banner SIS',
  offeringid: 2900,
  offeringgroupid: 'BIO-101',
  offeringname: 'Introduction to Biology',
  disabled: false,
  starttime: '2025-01-13 05:00:00.000',
  endtime: '2025-05-09 04:59:59.999',
  groupid: 'G-BIO-101-01',
};

describe('SectionCreateEvent2', () => {
  it('puts the section and one sectioncontent row per content node', () => {
    expect(opsOf(create)).toEqual([
      { table: 'section', op: 'put', row: sectionRow },
      {
        table: 'sectioncontent',
        op: 'put',
        row: {
          sectionid: 3012,
          edgepath: '_root_',
          assetid: 91001,
          parentedgepath: null,
          parentassetid: null,
          courseassetid: null,
          moduleedgepath: null,
          moduleassetid: null,
          lessonedgepath: null,
          lessonassetid: null,
          forcreditpointspossible: 120.5,
          forcredititemcount: 6,
          learningpathindex: 0,
        },
      },
      {
        table: 'sectioncontent',
        op: 'put',
        row: {
          sectionid: 3012,
          edgepath: '4b0f5a1c2d3e4f5061728394a5b6c7d8',
          assetid: 91002,
          parentedgepath: '_root_',
          parentassetid: 91001,
          courseassetid: 91001,
          moduleedgepath: null,
          moduleassetid: null,
          lessonedgepath: null,
          lessonassetid: null,
          forcreditpointspossible: 60,
          forcredititemcount: 3,
          learningpathindex: 1,
        },
      },
      {
        table: 'sectioncontent',
        op: 'put',
        row: {
          sectionid: 3012,
          edgepath: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
          assetid: 91003,
          parentedgepath: '4b0f5a1c2d3e4f5061728394a5b6c7d8',
          parentassetid: 91002,
          courseassetid: 91001,
          moduleedgepath: '4b0f5a1c2d3e4f5061728394a5b6c7d8',
          moduleassetid: 91002,
          lessonedgepath: null,
          lessonassetid: null,
          forcreditpointspossible: null,
          forcredititemcount: null,
          learningpathindex: 2,
        },
      },
    ]);
  });

  it('puts only the section when contents are null or omitted', () => {
    expect(opsOf({ ...create, contents: null })).toEqual([{ table: 'section', op: 'put', row: sectionRow }]);
    expect(opsOf(without(create, 'contents'))).toEqual([{ table: 'section', op: 'put', row: sectionRow }]);
  });

  it('writes nulls for an absent integration, dates, group and external id', () => {
    const bare = without(create, 'integration', 'startDate', 'endDate', 'groupId', 'contents');
    bare.section = { id: 3012, name: 'Sandbox' } as typeof create.section;
    expect(opsOf(bare)).toEqual([
      {
        table: 'section',
        op: 'put',
        row: {
          ...sectionRow,
          externalid: null,
          name: 'Sandbox',
          integrationuniqueid: null,
          integrationsystemid: null,
          integrationsystemidentifier: null,
          integrationsystemname: null,
          starttime: null,
          endtime: null,
          groupid: null,
        },
      },
    ]);
  });

  it('keeps an integration without a system', () => {
    const ops = opsOf({ ...create, contents: null, integration: { uniqueId: 'sis-3012' } });
    expect(ops[0]).toMatchObject({ row: { integrationuniqueid: 'sis-3012', integrationsystemid: null, integrationsystemname: null } });
  });
});

describe('SectionUpdateEvent2', () => {
  it('puts the section only', () => {
    const update = { ...without(create, 'contents'), eventType: 'SectionUpdateEvent2', actionType: 'update', disabled: true };
    expect(opsOf(update)).toEqual([{ table: 'section', op: 'put', row: { ...sectionRow, disabled: true } }]);
  });

  it('ignores contents: an update never touches sectioncontent', () => {
    const update = { ...create, eventType: 'SectionUpdateEvent2' };
    expect(opsOf(update).map((o) => o.table)).toEqual(['section']);
  });
});

describe('SectionDeleteEvent1', () => {
  it('deletes the section by id', () => {
    const ev = {
      eventType: 'SectionDeleteEvent1',
      id: '0d7c2f44-3b1e-4f11-a0a4-5d0f1c1e9b77',
      session: 4417,
      source: 'lms.example.edu',
      time: '2025-03-15T08:00:00.000Z',
      actionType: 'delete',
      sectionId: 3012,
    };
    expect(opsOf(ev)).toEqual([{ table: 'section', op: 'delete', key: { id: 3012 } }]);
  });
});
