// The temporary database passwords the local AWS control plane issued (GetClusterCredentials,
// GetClusterCredentialsWithIAM, Redshift Serverless GetCredentials), as Redshift keeps them: every
// call issues a new password, valid until its own expiration, and several passwords of one user are
// valid at the same time. The local AWS server writes here and the stand-in's IAM login reads, in
// the same process.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface IssuedCredential {
  /** The user name the client logs in with: `IAM:rsetl_bus`, `IAMA:new_user`, `IAMR:etl-role`. */
  loginUser: string;
  /** The database user the session runs as: `rsetl_bus` for `IAM:rsetl_bus`, `IAMR:etl-role` itself for an IAM identity. */
  dbUser: string;
  password: string;
  expiresAt: Date;
  /** The only database the password opens, when the call named one (DbName / dbName). */
  database?: string;
  /** Create the database user at login when it does not exist (AutoCreate, and every IAM-identity login). */
  autoCreate: boolean;
  /** Groups the user joins at login (DbGroups). */
  groups: string[];
}

export type CredentialCheck =
  | { ok: true; credential: IssuedCredential }
  | { ok: false; reason: 'unknown' | 'expired' | 'other-database' };

/** Login names the stand-in authenticates itself, as Redshift does for IAM-issued passwords. */
export function isIamLoginName(user: string): boolean {
  return /^IAM[AR]?:/.test(user);
}

/** Expired passwords are forgotten this long after their expiration. */
const KEEP_EXPIRED_MS = 3_600_000;

export class TemporaryCredentials {
  private readonly byLogin = new Map<string, IssuedCredential[]>();

  issue(spec: Omit<IssuedCredential, 'password' | 'expiresAt'> & { lifetimeSeconds: number }): IssuedCredential {
    const { lifetimeSeconds, ...rest } = spec;
    this.forgetOld();
    // Redshift's temporary passwords are long base64 strings with '/', '+' and '=' in them, which
    // connection strings must escape; these are alike.
    const credential: IssuedCredential = {
      ...rest,
      password: randomBytes(48).toString('base64'),
      expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
    };
    const list = this.byLogin.get(spec.loginUser) ?? [];
    list.push(credential);
    this.byLogin.set(spec.loginUser, list);
    return credential;
  }

  /** Whether `password` opens `database` for `loginUser` now. */
  check(loginUser: string, password: string, database: string, now = new Date()): CredentialCheck {
    const given = Buffer.from(password);
    const match = (this.byLogin.get(loginUser) ?? []).find((c) => {
      const issued = Buffer.from(c.password);
      return issued.length === given.length && timingSafeEqual(issued, given);
    });
    if (!match) return { ok: false, reason: 'unknown' };
    if (match.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    if (match.database !== undefined && match.database !== database) return { ok: false, reason: 'other-database' };
    return { ok: true, credential: match };
  }

  private forgetOld(): void {
    const horizon = Date.now() - KEEP_EXPIRED_MS;
    for (const [user, list] of this.byLogin) {
      const kept = list.filter((c) => c.expiresAt.getTime() > horizon);
      if (kept.length) this.byLogin.set(user, kept);
      else this.byLogin.delete(user);
    }
  }
}
