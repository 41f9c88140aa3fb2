// The login source for a role's settings: a fixed password, or temporary or stored credentials
// from AWS, cached (login.ts).
import { ConfigError } from '../../errors.js';
import { clusterLogin } from './cluster-login.js';
import { cachedLogin, type LoginSource } from './login.js';
import type { LoginSettings } from './login-settings.js';
import { secretLogin } from './secret-login.js';
import { serverlessLogin } from './serverless-login.js';

/** `needEndpoint`: no host is configured, so the login mode must also say where to connect. */
export function loginSource(s: LoginSettings, needEndpoint: boolean): LoginSource {
  switch (s.mode) {
    case 'password':
      return {
        mode: 'password',
        async login() {
          if (s.user === undefined) throw new ConfigError('redshift.user: required (or set redshift.auth to iam, serverless or secret)');
          return { user: s.user, password: s.password ?? '', via: 'the configured password' };
        },
      };
    case 'iam':
      return cachedLogin('iam', () => clusterLogin(s, needEndpoint));
    case 'serverless':
      return cachedLogin('serverless', () => serverlessLogin(s, needEndpoint));
    case 'secret':
      return cachedLogin('secret', () => secretLogin(s));
  }
}
