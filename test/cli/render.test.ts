import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/exit-codes.js';
import { createOutput, formatTable } from '../../src/cli/render.js';
import { addKnownSecrets, clearKnownSecrets } from '../../src/config/redact.js';
import { ConfigError } from '../../src/errors.js';

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  columns = 40;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const ANSI = /\x1b\[[0-9;]*m/;

function setup(opts: { json?: boolean; tty?: boolean; color?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const out = new Sink(opts.tty);
  const err = new Sink(opts.tty);
  const o = createOutput({ json: opts.json ?? false, stream: out, errStream: err, color: opts.color, env: opts.env ?? {} });
  return { o, out, err };
}

afterEach(() => clearKnownSecrets());

describe('table', () => {
  it('aligns columns, right-aligns numbers and shows missing values as -', () => {
    const { header, lines } = formatTable([
      { schema: 'loan', events: 12, state: 'Active' },
      { schema: 'qa0', events: 1500, state: null },
    ]);
    expect([header, ...lines]).toEqual([
      'schema  events  state', //
      'loan        12  Active',
      'qa0       1500  -',
    ]);
  });

  it('prints only the chosen columns, redacted, as plain text off a TTY', () => {
    const { o, out } = setup();
    o.table([{ name: 'main', url: 'postgres://u:pw@h/db', password: 'pw', extra: 1 }], ['name', 'url', 'password']);
    expect(out.text).toBe('name  url                    password\nmain  postgres://u:***@h/db  ***\n');
  });
});

describe('--json', () => {
  it('writes each result as one parseable, redacted line and nothing else on stdout', () => {
    addKnownSecrets(['Sekr1t-value']);
    const { o, out, err } = setup({ json: true });
    o.info('loading');
    o.table([{ a: 1 }]);
    o.success('done');
    o.progress('10 events/s');
    o.result({ bus: 1, rows: 10n, url: 'redshift://a:b@h/db', note: 'uses Sekr1t-value', nested: { secretAccessKey: 'x' } });
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ bus: 1, rows: '10', url: 'redshift://a:***@h/db', note: 'uses ***', nested: { secretAccessKey: '***' } });
    expect(out.text).not.toMatch(ANSI);
    expect(err.text).toBe('');
  });

  it('stays valid JSON when a redacted value held quotes', () => {
    const { o, out } = setup({ json: true });
    o.result({ sql: `COPY x CREDENTIALS 'aws_secret_access_key=abc' -- password="Zq\\"Wv"`, note: 'a "quoted" password=\\"Hx9\\" word' });
    const parsed = JSON.parse(out.text) as { sql: string; note: string };
    expect(out.text).not.toMatch(/abc|Zq|Wv|Hx9/);
    expect(parsed.note).toBe('a "quoted" password=*** word');
  });

  it('writes an error as one {error} object on stdout', () => {
    const { o, out, err } = setup({ json: true, tty: true, color: true });
    o.error(describeError(new ConfigError('redshift.iamRole: required\nsource.url: required', { hint: 'fix it' })));
    expect(JSON.parse(out.text)).toEqual({
      error: { code: 78, kind: 'config', message: 'redshift.iamRole: required\nsource.url: required', hint: 'fix it' },
    });
    expect(err.text).toBe('');
  });
});

describe('human output', () => {
  it('prints errors and warnings on stderr, with the hint and one problem per line', () => {
    const { o, out, err } = setup();
    o.warn('chmod 600 rsetl.config.json');
    o.error(describeError(new ConfigError('a.b: required\nc.d: unknown key', { hint: 'fix the file', context: { path: '/x.json' } })));
    expect(out.text).toBe('');
    expect(err.text).toBe('warning: chmod 600 rsetl.config.json\nerror:\n  a.b: required\n  c.d: unknown key\nhint: fix the file\npath: /x.json\n');
  });

  it('redacts info and success text', () => {
    const { o, out } = setup();
    o.info('connected to postgres://u:pw@h/db');
    o.success('loaded jdbc:redshift://h:5439/dev;password=pw');
    expect(out.text).toBe('connected to postgres://u:***@h/db\nloaded jdbc:redshift://h:5439/dev;password=***\n');
  });

  it('colours on a TTY, not under NO_COLOR, not off a TTY', () => {
    expect((() => { const s = setup({ tty: true }); s.o.success('ok'); return s.out.text; })()).toMatch(ANSI);
    expect((() => { const s = setup({ tty: true, env: { NO_COLOR: '1' } }); s.o.success('ok'); s.o.warn('w'); return s.out.text + s.err.text; })()).not.toMatch(ANSI);
    expect((() => { const s = setup({ tty: false }); s.o.success('ok'); s.o.warn('w'); return s.out.text + s.err.text; })()).not.toMatch(ANSI);
    expect((() => { const s = setup({ tty: true, color: false }); s.o.success('ok'); return s.out.text; })()).not.toMatch(ANSI);
  });

  it('shows progress only on a TTY, overwriting one line and clearing it before other output', () => {
    const cron = setup({ tty: false });
    cron.o.progress('window 1');
    expect(cron.err.text).toBe('');
    const tty = setup({ tty: true });
    tty.o.progress('window 1');
    tty.o.progress('window 2 '.repeat(10));
    tty.o.info('done');
    expect(tty.err.text).toBe(`\rwindow 1\x1b[K\r${'window 2 '.repeat(10).slice(0, 39)}\x1b[K\r\x1b[K`);
    expect(tty.out.text).toBe('done\n');
  });
});
