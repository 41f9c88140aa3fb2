// InstructorSnapshotDayCreateEvent1 → generate instructorsnapshotday for `snapshotDay` after the
// load commits (docs/schema.md#snapshot-days). The platform's class is misspelled
// `InstructorSnapshotDayCreatEvent1`; its `eventType` string is spelled correctly. `snapshotDay` is
// a Date (the snapshot job sends "now − 1 day"); the day generated is its UTC date.
import { z } from 'zod';
import { commonFields } from '../envelope.js';
import { defineHandler, generateSnapshotDay } from '../handler.js';
import { instant } from '../shapes.js';

export const handler = defineHandler({
  type: 'InstructorSnapshotDayCreateEvent1',
  schema: z.object({ ...commonFields, snapshotDay: instant }),
  transform: (e) => [generateSnapshotDay(e.snapshotDay.slice(0, 10))],
});
