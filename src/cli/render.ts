// Output for every command: human text (tables, colour, one progress line) or --json (one JSON
// line on stdout per result, errors included). Everything printed passes through redaction.
import { Chalk, type ChalkInstance } from 'chalk';
import { redact, redactText } from '../config/redact.js';
import type { ErrorDescription } from './exit-codes.js';

export interface OutputOptions {
  json: boolean;
  /** Default process.stdout. */
  stream?: NodeJS.WritableStream;
  /** Warnings, errors and progress; default process.stderr. */
  errStream?: NodeJS.WritableStream;
  /** Force colour on or off; by default on when the stream is a TTY. NO_COLOR and --json always win. */
  color?: boolean;
  env?: NodeJS.ProcessEnv;
  /** -q: only warnings and errors (and the --json result). */
  quiet?: boolean;
  /** -v: also a line per load, per statement and per COPY, with timings. */
  verbose?: boolean;
}

export interface Output {
  json: boolean;
  /** The colour of stdout under this output's rules (TTY, NO_COLOR, --json), for commands that style their own lines. */
  colour: ChalkInstance;
  /** --json: the command's result as one JSON line on stdout. Human mode prints nothing: use table/info. */
  result(obj: unknown): void;
  /** An aligned text table; columns default to every key of the rows, in first-seen order. */
  table(rows: readonly object[], columns?: readonly string[]): void;
  info(msg: string): void;
  success(msg: string): void;
  /** On stderr, in both modes (stdout stays parseable under --json). */
  warn(msg: string): void;
  /** Human: on stderr. --json: `{"error":{...}}` on stdout. */
  error(descr: ErrorDescription): void;
  /** One overwritten status line, only on a TTY and never under --json (silent under cron). */
  progress(text: string): void;
  /** Erases the progress line, if one is shown (at the end of a command). */
  endProgress(): void;
  /** A remark about how input was read (`--since has no zone: read as UTC`): stderr, not under -q. */
  notice(msg: string): void;
  /** True under -v. */
  isVerbose: boolean;
  /** Under -v only: one line on stderr, after any progress line. */
  verbose(msg: string): void;
}

const isTty = (s: NodeJS.WritableStream) => (s as NodeJS.WriteStream).isTTY === true;

function chalkFor(stream: NodeJS.WritableStream, opts: OutputOptions, env: NodeJS.ProcessEnv): ChalkInstance {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const on = !opts.json && !noColor && (opts.color ?? isTty(stream));
  return new Chalk({ level: on ? 1 : 0 });
}

/** JSON that survives bigint (row counts from pg) and never carries a secret. */
export function toJsonLine(obj: unknown): string {
  return JSON.stringify(redact(obj), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** The table as lines: header, then rows; numbers right-aligned, text left-aligned. */
export function formatTable(rows: readonly object[], columns?: readonly string[]): { header: string; lines: string[] } {
  const safe = redact(rows) as Record<string, unknown>[];
  const cols = columns ?? [...new Set(safe.flatMap((r) => Object.keys(r)))];
  const cells = safe.map((r) => cols.map((c) => cell(r[c])));
  const numeric = cols.map((c) => safe.length > 0 && safe.every((r) => ['number', 'bigint'].includes(typeof r[c]) || r[c] == null));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return { header: line([...cols]), lines: cells.map(line) };
}

export function createOutput(opts: OutputOptions): Output {
  const out = opts.stream ?? process.stdout;
  const err = opts.errStream ?? process.stderr;
  const env = opts.env ?? process.env;
  const c = chalkFor(out, opts, env);
  const ce = chalkFor(err, opts, env);
  const quiet = opts.quiet === true;
  const showProgress = !opts.json && !quiet && isTty(err);
  let progressShown = false;

  const clearProgress = () => {
    if (progressShown) err.write('\r\x1b[K');
    progressShown = false;
  };
  const write = (stream: NodeJS.WritableStream, text: string, redacted = false) => {
    clearProgress();
    // A JSON line is redacted value by value before it is serialised (toJsonLine): text patterns
    // applied to the serialised form could split an escaped quote and break the JSON.
    stream.write(`${redacted ? text : redactText(text)}\n`);
  };
  const human = (text: string) => {
    if (!opts.json && !quiet) write(out, text);
  };

  return {
    json: opts.json,
    colour: c,
    result(obj) {
      if (opts.json) write(out, toJsonLine(obj), true);
    },
    table(rows, columns) {
      if (opts.json) return;
      if (rows.length === 0 && columns === undefined) return human(c.dim('(none)'));
      const { header, lines } = formatTable(rows, columns);
      human([c.bold(header), ...lines].join('\n'));
    },
    info: (msg) => human(msg),
    success: (msg) => human(c.green(msg)),
    warn: (msg) => write(err, ce.yellow(`warning: ${msg}`)),
    error(d) {
      if (opts.json) return write(out, toJsonLine({ error: d }), true);
      // A multi-line message (a ConfigError lists one problem per line) reads best indented.
      const message = d.message.includes('\n') ? `\n  ${d.message.split('\n').join('\n  ')}` : ` ${d.message}`;
      const lines = [ce.red(`error:${message}`)];
      if (d.hint) lines.push(ce.dim(`hint: ${d.hint}`));
      const details = d.details && typeof d.details === 'object' ? (d.details as Record<string, unknown>) : {};
      for (const [k, v] of Object.entries(details)) {
        if (k === 'stack' && typeof v === 'string') lines.push(ce.dim(v));
        else if (['string', 'number', 'boolean'].includes(typeof v)) lines.push(ce.dim(`${k}: ${String(v)}`));
      }
      write(err, lines.join('\n'));
    },
    endProgress: () => clearProgress(),
    notice: (msg) => {
      if (!quiet) write(err, ce.dim(`note: ${msg}`));
    },
    isVerbose: opts.verbose === true,
    verbose: (msg) => {
      if (opts.verbose) write(err, ce.dim(msg));
    },
    progress(text) {
      if (!showProgress) return;
      // A terminal that reports no size (0 columns, as a bare pty) gets the classic 80.
      const width = (err as NodeJS.WriteStream).columns || 80;
      err.write(`\r${redactText(text).slice(0, Math.max(1, width - 1))}\x1b[K`);
      progressShown = true;
    },
  };
}
