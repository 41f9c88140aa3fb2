// How far a load has got, for the progress line a person watching a terminal sees (nothing under
// cron: the CLI shows it on a TTY only). Reported at page and COPY granularity, never per row.

export interface LoadProgress {
  busId: number;
  /** `waiting`: one page read, waiting for another bus's large read to end (pipeline/read-turns.ts). */
  stage: 'reading' | 'waiting' | 'staging' | 'loading' | 'committed';
  /** Events read and transformed so far. */
  events: number;
  /** NDJSON lines written to the staged files so far. */
  rowsStaged: number;
  /** During `loading`: COPYs done of the load's total, and the table of the last one. */
  copiesDone?: number;
  copiesTotal?: number;
  table?: string;
}

export type ProgressSink = (p: LoadProgress) => void;
