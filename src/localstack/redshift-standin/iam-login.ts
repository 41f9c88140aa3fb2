// A login with a temporary password from the local AWS control plane (user `IAM:…`, `IAMA:…` or
// `IAMR:…`), authenticated by the stand-in itself as Redshift does: the password must be one the
// control plane issued for that user, not expired, and for that database. The session then runs on
// a backend connection opened with the stand-in's own credentials, as the mapped database user
// (SET SESSION AUTHORIZATION), so current_user and session_user are that user; with AutoCreate the
// user is created first, and DbGroups are joined, at login as on Redshift.
import type { Socket } from 'node:net';
import { authenticationOk, errorResponse, readyForQuery } from './backend-messages.js';
import { BackendLoginError, openBackendSession, type BackendAccount } from './backend-login.js';
import { ident, literal } from './sql-literal.js';
import { backendStartup, type Startup } from './startup.js';
import type { TemporaryCredentials } from './temporary-credentials.js';

export type IamLoginOutcome =
  | { ok: true; backend: Socket; pid: number; greeting: Buffer[] }
  | { ok: false; error: Buffer };

/** PostgreSQL cuts longer names; the stand-in refuses them instead (identifier-length.ts). */
const MAX_NAME_BYTES = 63;

function fatal(code: string, message: string): Buffer {
  return errorResponse({ S: 'FATAL', V: 'FATAL', C: code, M: message });
}

/** What runs on the backend before the client gets the session. */
function setupSql(dbUser: string, autoCreate: boolean, groups: string[]): string {
  const missing = autoCreate
    ? // Two logins may create the same user at once; the second one finds it made.
      `BEGIN CREATE USER ${ident(dbUser)}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;`
    : `RAISE EXCEPTION USING ERRCODE = '28000', MESSAGE = ${literal(`user "${dbUser}" does not exist`)};`;
  const ensure = `DO $rsetl_iam$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(dbUser)}) THEN ${missing} END IF; END $rsetl_iam$;`;
  const join = groups.map((g) => `ALTER GROUP ${ident(g)} ADD USER ${ident(dbUser)};`).join(' ');
  return `${ensure} ${join} SET SESSION AUTHORIZATION ${ident(dbUser)};`;
}

export async function iamLogin(
  startup: Startup,
  password: string,
  ctx: { credentials: TemporaryCredentials; backend: BackendAccount },
): Promise<IamLoginOutcome> {
  const loginUser = startup.params.user ?? '';
  const database = startup.params.database ?? loginUser;
  const check = ctx.credentials.check(loginUser, password, database);
  // Redshift gives one answer for a wrong, expired or misdirected temporary password.
  if (!check.ok) return { ok: false, error: fatal('28P01', `password authentication failed for user "${loginUser}"`) };
  const { dbUser, autoCreate, groups } = check.credential;
  for (const name of [dbUser, ...groups]) {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
      return { ok: false, error: fatal('42622', `the name "${name}" is ${Buffer.byteLength(name)} bytes long; the Redshift stand-in allows at most ${MAX_NAME_BYTES}`) };
    }
  }
  try {
    const session = await openBackendSession(
      ctx.backend,
      backendStartup({ ...startup.params, user: ctx.backend.user }),
      setupSql(dbUser, autoCreate, groups),
    );
    const greeting = [authenticationOk(), ...session.parameters, ...(session.keyData ? [session.keyData] : []), readyForQuery('I')];
    return { ok: true, backend: session.socket, pid: session.pid, greeting };
  } catch (e) {
    if (e instanceof BackendLoginError) {
      const { C, M, D } = e.fields;
      return { ok: false, error: errorResponse({ S: 'FATAL', V: 'FATAL', C: C ?? 'XX000', M: M ?? 'login failed', ...(D ? { D } : {}) }) };
    }
    return { ok: false, error: fatal('08006', `the Redshift stand-in could not open its backend session: ${(e as Error).message}`) };
  }
}
