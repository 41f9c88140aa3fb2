// Everything a new Redshift session of one role needs: the connection settings that do not change
// (host, port, database, TLS, timeouts) and the source of its login (login.ts). One per role and
// process, so a long `poll --loop` reuses a temporary password until it nears its expiry.
import type pg from 'pg';
import { redshiftConnection } from '../../config/connections.js';
import type { RsetlConfig } from '../../config/schema.js';
import type { LoginSource } from './login.js';
import { loginSettings } from './login-settings.js';
import { loginSource } from './login-source.js';

export interface RedshiftAccess {
  /** pg settings without user and password; host and port may be missing (the login finds them). */
  base: pg.ClientConfig;
  login: LoginSource;
}

export function redshiftAccess(config: RsetlConfig, role: 'owner' | 'bus'): RedshiftAccess {
  const { user: _user, password: _password, ...base } = redshiftConnection(config, { asBusUser: role === 'bus' });
  return { base, login: loginSource(loginSettings(config, role), base.host === undefined) };
}
