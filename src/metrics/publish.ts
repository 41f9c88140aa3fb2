// `poll --metrics-file PATH` / `--metrics emf`: after each run (each pass and idle wake-up under
// `--loop`) the figures are taken from the source (pipeline/status.ts, one query per figure
// family) and written: Prometheus text to the file, atomically, and/or EMF lines to stdout. A run
// that ends in an error still writes `rsetl_up 0` with its time, so a dead pipeline shows as down
// rather than as a file that merely stops changing. Writing metrics never changes the poll's exit
// code: a failure to write is a warning, and the file's age tells the rest.
import type { RsetlConfig } from '../config/schema.js';
import { messageOf } from '../errors.js';
import type { Connections } from '../pipeline/connections.js';
import type { PollSummary } from '../pipeline/poller.js';
import { busStatuses } from '../pipeline/status.js';
import { renderEmf } from './emf.js';
import { downSnapshot, metricsSnapshot, selectionOf, type MetricsSnapshot } from './figures.js';
import { renderPrometheus } from './prometheus.js';
import { writeFileAtomic } from './textfile.js';

export interface MetricsTargets {
  /** Prometheus text exposition, replaced atomically. */
  file?: string;
  /** EMF lines on `stdout`. */
  emf?: boolean;
}

export interface MetricsIo {
  stdout: NodeJS.WritableStream;
  warn: (msg: string) => void;
  now?: () => Date;
}

export class MetricsPublisher {
  private lastPollSeconds: number | null = null;
  private readonly selection: string;

  /**
   * `busRefs`: the run covers only these buses (`poll --bus`): the figures are theirs alone, so two
   * cron entries for different buses write disjoint files.
   */
  constructor(
    private readonly targets: MetricsTargets,
    private readonly io: MetricsIo,
    private readonly busRefs?: readonly string[],
  ) {
    this.selection = selectionOf(busRefs);
  }

  get enabled(): boolean {
    return this.targets.file !== undefined || this.targets.emf === true;
  }

  /**
   * After a pass over the buses (`summary`, and how long it took), or a `--loop` wake-up with
   * nothing due (no summary: the previous pass's duration stands).
   */
  async afterPass(conn: Connections, config: RsetlConfig, input: { summary?: PollSummary; pollSeconds?: number } = {}): Promise<void> {
    if (!this.enabled) return;
    if (input.pollSeconds !== undefined) this.lastPollSeconds = input.pollSeconds;
    let snapshot: MetricsSnapshot;
    try {
      const statuses = await busStatuses(conn, config, this.busRefs ? { busRefs: this.busRefs } : {});
      snapshot = metricsSnapshot({
        at: this.now(),
        selection: this.selection,
        pollSeconds: this.lastPollSeconds,
        statuses,
        ...(input.summary ? { summary: input.summary } : {}),
      });
    } catch (e) {
      this.io.warn(`metrics: the figures could not be read (${messageOf(e)}); reporting rsetl_up 0`);
      snapshot = downSnapshot(this.now(), this.lastPollSeconds, this.selection);
    }
    await this.publish(snapshot);
  }

  /** The run ended in an error before its figures could be taken. */
  async afterFailure(pollSeconds?: number): Promise<void> {
    if (!this.enabled) return;
    if (pollSeconds !== undefined) this.lastPollSeconds = pollSeconds;
    await this.publish(downSnapshot(this.now(), this.lastPollSeconds, this.selection));
  }

  private now(): Date {
    return this.io.now?.() ?? new Date();
  }

  private async publish(s: MetricsSnapshot): Promise<void> {
    if (this.targets.emf) this.io.stdout.write(renderEmf(s));
    if (this.targets.file !== undefined) {
      try {
        await writeFileAtomic(this.targets.file, renderPrometheus(s));
      } catch (e) {
        this.io.warn(`--metrics-file ${this.targets.file}: could not be written (${messageOf(e)}); the previous file, if any, stays as it was`);
      }
    }
  }
}
