import { afterEach, describe, expect, it } from 'vitest';
import { addKnownSecrets, clearKnownSecrets, redact, redactText } from '../../src/config/redact.js';

afterEach(() => clearKnownSecrets());

describe('redactText', () => {
  it('masks the password of URLs in any text, keeping user and host', () => {
    expect(redactText('connect postgres://user:pw@host:5432/db failed')).toBe('connect postgres://user:***@host:5432/db failed');
    expect(redactText('redshift://admin:Abc123@c.example.com:5439/dev')).toBe('redshift://admin:***@c.example.com:5439/dev');
    expect(redactText('"postgresql://u:p%40ss@h/db"')).toBe('"postgresql://u:***@h/db"');
    expect(redactText("url 'postgres://u:it's@h/db'")).toBe("url 'postgres://u:***@h/db'");
    expect(redactText('postgres://u:p@ss@h/db and mail me@example.com')).toBe('postgres://u:***@h/db and mail me@example.com');
    expect(redactText('postgres://u@h/db')).toBe('postgres://u@h/db');
  });

  it('masks password= pairs in query strings, JDBC properties and AWS credential strings', () => {
    expect(redactText('jdbc:redshift://h:5439/dev;user=a;password=s3cret;ssl=true')).toBe('jdbc:redshift://h:5439/dev;user=a;password=***;ssl=true');
    expect(redactText('postgres://h/db?user=a&password=s3cret&sslmode=require')).toBe('postgres://h/db?user=a&password=***&sslmode=require');
    expect(redactText("CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key=wJalr/K7MDENG+bPxRfiCY'")).toBe(
      "CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key=***'",
    );
    expect(redactText('{"password":"x\\"y","user":"u"}')).toBe('{"password":"***","user":"u"}');
    expect(redactText('CREATE USER dev PASSWORD \'Ab\'\'c1\' CREATEDB')).toBe("CREATE USER dev PASSWORD '***' CREATEDB");
  });

  it('keeps configuration messages that name a password key readable', () => {
    expect(redactText('redshift.password: environment variable PW is not set')).toBe('redshift.password: environment variable PW is not set');
    expect(redactText('password authentication failed for user "rsetl"')).toBe('password authentication failed for user "rsetl"');
  });

  it('masks known secrets verbatim, URL-encoded, JSON-escaped and SQL-quoted', () => {
    const secret = `p@ss'w"rd`;
    expect(redactText(`error near "${secret}"`, [secret])).toBe('error near "***"');
    expect(redactText(`u:${encodeURIComponent(secret)}@`, [secret])).not.toContain('ss');
    expect(redactText(JSON.stringify({ note: secret }), [secret])).toBe('{"note":"***"}');
    expect(redactText(`'p@ss''w"rd'`, [secret])).toBe("'***'");
  });

  it('masks registered secrets in every later call', () => {
    addKnownSecrets(['Tr0ub4dor', undefined, 'x']);
    expect(redactText('syntax error at or near "Tr0ub4dor"')).toBe('syntax error at or near "***"');
    expect(redactText('x marks the spot')).toBe('x marks the spot');
  });
});

describe('redact', () => {
  it('deep-copies, masking secret keys and secrets inside strings', () => {
    const input = {
      redshift: { user: 'owner', password: 'pw', busUser: { user: 'bus', pass: 'b' }, url: 'redshift://o:pw2@h/db' },
      s3: { accessKeyId: 'AKIA', secretAccessKey: 'wJalr', sessionToken: 'tok', bucket: 'b' },
      list: ['postgres://a:b@c/d', 3, null],
      when: new Date(0),
      apiToken: undefined,
    };
    const out = redact(input);
    expect(out).toEqual({
      redshift: { user: 'owner', password: '***', busUser: { user: 'bus', pass: '***' }, url: 'redshift://o:***@h/db' },
      s3: { accessKeyId: '***', secretAccessKey: '***', sessionToken: '***', bucket: 'b' },
      list: ['postgres://a:***@c/d', 3, null],
      when: new Date(0),
      apiToken: undefined,
    });
    expect(input.redshift.password).toBe('pw');
  });

  it('handles errors, toJSON and cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ name: 'x', self: '[Circular]' });
    const e = Object.assign(new Error('login postgres://u:pw@h/db'), { code: '28P01' });
    expect(redact(e)).toMatchObject({ message: 'login postgres://u:***@h/db', code: '28P01' });
    expect(redact({ toJSON: () => ({ password: 'x' }) })).toEqual({ password: '***' });
  });
});
