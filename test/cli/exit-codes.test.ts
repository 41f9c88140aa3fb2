import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeError, EXIT, exitCodeFor, usageErrorFromCommander } from '../../src/cli/exit-codes.js';
import {
  ConfigError,
  EventError,
  MissingPackageError,
  NotImplementedError,
  PermissionError,
  SourceError,
  StageError,
  StoppedError,
  UnreachableError,
  UsageError,
  WarehouseError,
} from '../../src/errors.js';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { name: 'error', code, severity: 'ERROR', detail: 'd' });
const awsError = (name: string, status: number) => Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode: status, requestId: 'R1' } });

/** Runs a commander program that throws instead of exiting, and returns what it threw. */
function commanderThrow(args: string[]): CommanderError {
  const program = new Command('rsetl').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} }).version('1.0.0');
  program.command('status').option('--json').action(() => {});
  try {
    program.parse(args, { from: 'user' });
  } catch (e) {
    return e as CommanderError;
  }
  throw new Error('commander did not throw');
}

describe('exitCodeFor', () => {
  it('maps each rsetl error class', () => {
    const event = { id: '1', guid: null, time: '2024-01-01T00:00:00Z', type: 'X' };
    expect(exitCodeFor(new WarehouseError('copy failed', 'data'))).toBe(1);
    expect(exitCodeFor(new SourceError('x'))).toBe(1);
    expect(exitCodeFor(new StageError('x'))).toBe(1);
    expect(exitCodeFor(new EventError('x', event))).toBe(1);
    expect(exitCodeFor(new UsageError('x'))).toBe(64);
    expect(exitCodeFor(new NotImplementedError('x'))).toBe(64);
    expect(exitCodeFor(new UnreachableError('x'))).toBe(69);
    expect(exitCodeFor(new PermissionError('x'))).toBe(77);
    expect(exitCodeFor(new ConfigError('x'))).toBe(78);
    expect(exitCodeFor(new MissingPackageError('x', ['fauxqs']))).toBe(78);
    expect(exitCodeFor(new StoppedError('SIGINT'))).toBe(130);
    expect(exitCodeFor(new StoppedError('SIGTERM'))).toBe(143);
    expect(exitCodeFor(new TypeError('undefined is not a function'))).toBe(EXIT.INTERNAL);
    expect(exitCodeFor('thrown string')).toBe(70);
  });

  it('maps raw network, pg and AWS errors', () => {
    expect(exitCodeFor(errno('ECONNREFUSED'))).toBe(69);
    expect(exitCodeFor(errno('ENOTFOUND'))).toBe(69);
    expect(exitCodeFor(errno('ETIMEDOUT'))).toBe(69);
    expect(exitCodeFor(new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')]))).toBe(69);
    expect(exitCodeFor(new Error('wrapped', { cause: errno('ENOTFOUND') }))).toBe(69);
    expect(exitCodeFor(pgError('42501', 'permission denied for schema loan'))).toBe(77);
    expect(exitCodeFor(pgError('28P01', 'password authentication failed for user "x"'))).toBe(77);
    expect(exitCodeFor(pgError('42601', 'syntax error'))).toBe(70);
    expect(exitCodeFor(awsError('AccessDenied', 403))).toBe(77);
    expect(exitCodeFor(awsError('SomethingForbidden', 403))).toBe(77);
    expect(exitCodeFor(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }))).toBe(78);
  });

  it('keeps the class of an rsetl error over the cause it wraps', () => {
    expect(exitCodeFor(new StageError('upload failed', { cause: errno('ECONNREFUSED') }))).toBe(1);
  });

  it('maps commander usage errors to 64, help and version to 0', () => {
    const unknownOption = commanderThrow(['status', '--bogus']);
    expect(exitCodeFor(unknownOption)).toBe(64);
    const usage = usageErrorFromCommander(unknownOption);
    expect(usage).toBeInstanceOf(UsageError);
    expect(usage?.message).toBe("unknown option '--bogus'");
    expect(exitCodeFor(commanderThrow(['nonsense']))).toBe(64);
    expect(exitCodeFor(commanderThrow([]))).toBe(64);
    expect(exitCodeFor(commanderThrow(['--help']))).toBe(0);
    expect(usageErrorFromCommander(commanderThrow(['--version']))).toBeUndefined();
  });
});

describe('describeError', () => {
  it('describes an rsetl error with kind, hint and redacted details', () => {
    const e = new WarehouseError('COPY failed on postgres://bus:buspw@h/db', 'data', {
      hint: 'see stl_load_errors',
      context: { bus: 3, loadId: 'L1', password: 'pw' },
      server: { code: 'XX000' },
    });
    expect(describeError(e)).toEqual({
      code: 1,
      kind: 'warehouse',
      message: 'COPY failed on postgres://bus:***@h/db',
      hint: 'see stl_load_errors',
      details: { bus: 3, loadId: 'L1', password: '***', failureClass: 'data', server: { code: 'XX000' } },
    });
  });

  it('never prints a secret that appears in a raw error message', () => {
    const d = describeError(Object.assign(errno('ECONNREFUSED', 'connect ECONNREFUSED for redshift://a:hunter2@10.0.0.1:5439/dev')));
    expect(d).toMatchObject({ code: 69, kind: 'unreachable' });
    expect(JSON.stringify(d)).not.toContain('hunter2');
    const sql = describeError(new Error(`syntax error in: ALTER USER dev PASSWORD 'Sekr1t!'`));
    expect(JSON.stringify(sql)).not.toContain('Sekr1t');
  });

  it('keeps pg server fields and AWS request ids', () => {
    expect(describeError(pgError('42501', 'permission denied for schema loan'))).toMatchObject({
      code: 77,
      kind: 'permission',
      details: { code: '42501', detail: 'd' },
    });
    expect(describeError(awsError('AccessDenied', 403)).details).toEqual({ httpStatusCode: 403, requestId: 'R1' });
  });

  it('shows the stack of an unexpected error only with RSETL_DEBUG=1', () => {
    const plain = describeError(new TypeError('boom'), {});
    expect(plain).toMatchObject({ code: 70, kind: 'internal', message: 'unexpected error: boom' });
    expect(plain.details).toBeUndefined();
    expect(plain.hint).toMatch(/RSETL_DEBUG=1/);
    const debug = describeError(new TypeError('boom'), { RSETL_DEBUG: '1' });
    expect((debug.details as { stack: string }).stack).toMatch(/TypeError: boom/);
  });

  it('describes commander usage errors as usage', () => {
    expect(describeError(commanderThrow(['status', '--bogus']))).toMatchObject({ code: 64, kind: 'usage', message: "unknown option '--bogus'" });
  });
});
