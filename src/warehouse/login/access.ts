// Everything a new Redshift session of one role needs. Over the PostgreSQL protocol: the
// connection settings that do not change (host, port, database, TLS, timeouts) and the source of
// its login (login.ts), one per role and process, so a long `poll --loop` reuses a temporary
// password until it nears its expiry. Over the Data API: the parameters that name the cluster or
// workgroup and the login (the Data API fetches temporary credentials itself).
import type pg from 'pg';
import { redshiftConnection } from '../../config/connections.js';
import type { RsetlConfig } from '../../config/schema.js';
import type { SqlDriver } from '../drivers/driver.js';
import { DataApiDriver, describeDataApiLogin } from '../drivers/data-api-driver.js';
import type { SessionOptions } from '../session.js';
import type { LoginSource } from './login.js';
import { loginSettings } from './login-settings.js';
import { loginSource } from './login-source.js';

export type RedshiftAccess =
  | {
      transport: 'postgres';
      /** pg settings without user and password; host and port may be missing (the login finds them). */
      base: pg.ClientConfig;
      login: LoginSource;
    }
  | {
      transport: 'data-api';
      /** Who the statements run as, in words. */
      describe: string;
      connect(options: SessionOptions): Promise<SqlDriver>;
    };

export function redshiftAccess(config: RsetlConfig, role: 'owner' | 'bus'): RedshiftAccess {
  const settings = loginSettings(config, role);
  if (config.redshift.transport === 'data-api') {
    return {
      transport: 'data-api',
      describe: describeDataApiLogin(settings),
      connect: async (options) =>
        DataApiDriver.open(settings, {
          keepAliveSeconds: config.redshift.dataApiSessionKeepAliveSeconds,
          statementTimeoutMs: config.redshift.statementTimeoutSeconds * 1000,
          ...(options.shouldStop && { shouldStop: options.shouldStop }),
        }),
    };
  }
  const { user: _user, password: _password, ...base } = redshiftConnection(config, { asBusUser: role === 'bus' });
  return { transport: 'postgres', base, login: loginSource(settings, base.host === undefined) };
}
