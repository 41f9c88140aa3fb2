// The stand-in's listening socket and the parts its sessions share: the S3 reader, the per-database
// load logs, the statement cache, the injected faults, and the isolation mode and flavour.
import { createServer, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { listenLocal } from '../free-port.js';
import { Faults } from './faults.js';
import type { RedshiftStandin, StandinOptions } from './index.js';
import { ClusterLatency } from './latency.js';
import { LoadLog } from './load-log.js';
import { loadSqlParser } from './postgres-only-lint.js';
import { S3Source } from './s3-source.js';
import { StandinSession } from './session.js';
import { StatementTransformer } from './statement-transform.js';
import { TemporaryCredentials } from './temporary-credentials.js';

export async function startRedshiftStandin(options: StandinOptions): Promise<RedshiftStandin> {
  // Built once and first: a bad certificate or key fails the start before anything is opened.
  const secureContext = options.tls && createSecureContext({ cert: options.tls.cert, key: options.tls.key });
  await loadSqlParser();
  const backendUrl = new URL(options.backendUrl);
  const backendDatabase = decodeURIComponent(backendUrl.pathname.slice(1)) || decodeURIComponent(backendUrl.username);
  const logs = new Map<string, LoadLog>();
  const logFor = (database: string): LoadLog => {
    let log = logs.get(database);
    if (!log) {
      const url = new URL(backendUrl);
      url.pathname = `/${encodeURIComponent(database)}`;
      log = new LoadLog(url.toString());
      logs.set(database, log);
    }
    return log;
  };
  // Fails early when the backend is unreachable, and lets clients query the views before any COPY.
  await logFor(backendDatabase).ensureSchema();

  const latency = new ClusterLatency(options.latency);
  const s3 = new S3Source(options.s3);
  const credentials = options.temporaryCredentials ?? new TemporaryCredentials();
  const faults = new Faults();
  const sessions = new Set<StandinSession>();
  const context = {
    backend: {
      host: backendUrl.hostname,
      port: Number(backendUrl.port || 5432),
      user: decodeURIComponent(backendUrl.username),
      password: decodeURIComponent(backendUrl.password),
    },
    credentials,
    latency,
    acceptedIamRoles: options.acceptedIamRoles,
    copyPath: options.copyPath ?? 'auto',
    tls: secureContext,
    faults,
    transformer: new StatementTransformer(),
    isolation: options.isolation ?? 'read-committed',
    flavour: options.flavour ?? 'provisioned',
    s3,
    logFor,
    onClose: (s: StandinSession) => sessions.delete(s),
  };
  const server = createServer((socket: Socket) => {
    sessions.add(new StandinSession(socket, context));
  });
  const port = await listenLocal(server, options.port, options.host);
  const url = new URL(options.backendUrl);
  url.hostname = options.host ?? '127.0.0.1';
  url.port = String(port);

  let closing: Promise<void> | undefined;
  return {
    url: url.toString(),
    port,
    temporaryCredentials: credentials,
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    latencyRecord: () => latency.record(),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of [...sessions]) s.close();
        await stopped;
        s3.destroy();
        await Promise.all([...logs.values()].map((l) => l.close()));
      })();
      return closing;
    },
  };
}
