// redshift.ssl / redshift.sslRootCert as pg settings, and the CA bundle shipped in certs/ (made by
// scripts/update-redshift-ca-bundle.mjs). Real connections are in test/localstack/standin-tls.test.ts.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { redshiftConnection } from '../../src/config/connections.js';
import type { SslSetting } from '../../src/config/redshift-url.js';
import type { RsetlConfig } from '../../src/config/schema.js';
import { REDSHIFT_CA_BUNDLE, redshiftRootCerts } from '../../src/config/tls.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEST_CA = join(ROOT, 'test/fixtures/tls/ca.pem');
const ROLE = 'arn:aws:iam::123456789012:role/rsetl-copy';

/** Amazon Trust Services' roots, by their SHA-256 certificate fingerprints (Mozilla's and ATS's). */
const AMAZON_ROOTS: Record<string, string> = {
  'Amazon Root CA 1': '8E:CD:E6:88:4F:3D:87:B1:12:5B:A3:1A:C3:FC:B1:3D:70:16:DE:7F:57:CC:90:4F:E1:CB:97:C6:AE:98:19:6E',
  'Amazon Root CA 2': '1B:A5:B2:AA:8C:65:40:1A:82:96:01:18:F8:0B:EC:4F:62:30:4D:83:CE:C4:71:3A:19:C3:9C:01:1E:A4:6D:B4',
  'Amazon Root CA 3': '18:CE:6C:FE:7B:F1:4E:60:B2:E3:47:B8:DF:E8:68:CB:31:D0:2E:BB:3A:DA:27:15:69:F5:03:43:B4:6D:B3:A4',
  'Amazon Root CA 4': 'E3:5D:28:41:9E:D0:20:25:CF:A6:90:38:CD:62:39:62:45:8D:A5:C6:95:FB:DE:A3:C2:2B:0B:FB:25:89:70:92',
  'Starfield Services Root Certificate Authority - G2':
    '56:8D:69:05:A2:C8:87:08:A4:B3:02:51:90:ED:CF:ED:B1:97:4A:60:6A:13:C6:E5:29:0F:CB:2A:E6:3E:DA:B5',
};

const certificatesIn = (text: string) =>
  (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));

function config(redshift: Record<string, unknown>): RsetlConfig {
  const v = validateConfig({ source: { url: 'postgres://rsetl@db.internal/lms' }, redshift: { iamRole: ROLE, ...redshift } }, ['redshift']);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.config;
}

const ENDPOINT = 'jdbc:redshift://examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/dev';
const sslFor = (ssl: SslSetting | undefined, sslRootCert?: string) =>
  redshiftConnection(config({ url: ENDPOINT, user: 'rsetl', ...(ssl !== undefined && { ssl }), ...(sslRootCert !== undefined && { sslRootCert }) })).ssl;

const fingerprints = (ca: unknown) => certificatesIn(String(ca)).map((c) => c.fingerprint256);

const scratch = mkdtempSync(join(tmpdir(), 'rsetl-ssl-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the shipped Redshift CA bundle', () => {
  const text = readFileSync(REDSHIFT_CA_BUNDLE, 'utf8');

  it('lives in certs/ at the package root, which package.json ships', () => {
    expect(REDSHIFT_CA_BUNDLE).toBe(join(ROOT, 'certs/redshift-ca-bundle.pem'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('certs');
  });

  it('holds exactly the Amazon Trust Services roots, each self-signed CA, and says where it comes from', () => {
    const certs = certificatesIn(text);
    expect(Object.fromEntries(certs.map((c) => [/CN=(.*)/.exec(c.subject)?.[1], c.fingerprint256]))).toEqual(AMAZON_ROOTS);
    for (const c of certs) {
      expect(c.ca).toBe(true);
      expect(c.checkIssued(c)).toBe(true);
    }
    expect(text).toContain('scripts/update-redshift-ca-bundle.mjs');
    expect(text).toContain('https://www.amazontrust.com/repository/');
    expect(() => createSecureContext({ ca: text })).not.toThrow();
  });

  it('is found from the built package too (dist/config resolves ../../certs, not the working directory)', async () => {
    // Needs `npm run build`; run from another directory so a cwd-relative path would fail.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(ROOT, 'dist/config/tls.js'))}); console.log(m.REDSHIFT_CA_BUNDLE); m.redshiftRootCerts(undefined);`],
      { cwd: tmpdir() },
    );
    expect(stdout.trim()).toBe(join(ROOT, 'certs/redshift-ca-bundle.pem'));
  });
});

describe('redshift.ssl and redshift.sslRootCert as pg settings', () => {
  it('verifies against the shipped bundle only for true, "verify-full" and the default on a remote host', () => {
    for (const ssl of [true, 'verify-full', undefined] as const) {
      const s = sslFor(ssl) as { rejectUnauthorized: boolean; ca: string };
      expect(s.rejectUnauthorized).toBe(true);
      expect(fingerprints(s.ca).sort()).toEqual(Object.values(AMAZON_ROOTS).sort());
    }
  });

  it('replaces the bundle by redshift.sslRootCert (relative to the working directory)', () => {
    const testCa = new X509Certificate(readFileSync(TEST_CA)).fingerprint256;
    for (const path of [TEST_CA, 'test/fixtures/tls/ca.pem']) {
      const s = sslFor('verify-full', path) as { rejectUnauthorized: boolean; ca: string };
      expect(s.rejectUnauthorized).toBe(true);
      expect(fingerprints(s.ca)).toEqual([testCa]);
    }
  });

  it('"require" encrypts without verifying; false is plain', () => {
    expect(sslFor('require')).toEqual({ rejectUnauthorized: false });
    expect(sslFor(false)).toBe(false);
    expect(redshiftConnection(config({ url: 'postgres://rsetl@localhost:5439/dev' })).ssl).toBe(false);
  });

  it('reads the URL\'s sslmode=verify-full the same way', () => {
    const c = config({ url: 'postgres://rsetl@cluster.example.com:5439/dev?sslmode=verify-full' });
    expect(fingerprints((redshiftConnection(c).ssl as { ca: string }).ca)).toHaveLength(5);
  });

  it('a missing, unreadable or certificate-less sslRootCert is a ConfigError naming the key', () => {
    const empty = join(scratch, 'empty.pem');
    writeFileSync(empty, '# no certificate here\n');
    const broken = join(scratch, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const cases: [string, RegExp][] = [
      [join(scratch, 'missing.pem'), /not found/],
      [empty, /holds no PEM certificate/],
      [broken, /certificate 1 is not a valid X\.509 certificate/],
    ];
    for (const [path, why] of cases) {
      const e = (() => {
        try {
          sslFor('verify-full', path);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toContain('redshift.sslRootCert');
      expect((e as ConfigError).message).toMatch(why);
      expect((e as ConfigError).hint).toContain('redshift.sslRootCert');
    }
  });

  it('an sslRootCert the process may not read is a ConfigError naming the key, "permission denied"', async () => {
    // Root reads a file of mode 000 all the same, so the read runs in a child process (the built
    // dist/config/tls.js, as above) as nobody when this one is root, else as this user: either
    // way the case runs, instead of being left out under root (as CI and containers often run).
    const dir = mkdtempSync(join(tmpdir(), 'rsetl-ssl-locked-'));
    try {
      chmodSync(dir, 0o755); // the folder is open to nobody: only the file's own mode refuses
      const locked = join(dir, 'locked.pem');
      writeFileSync(locked, readFileSync(TEST_CA));
      chmodSync(locked, 0o000);
      const script = `const { redshiftRootCerts } = await import(${JSON.stringify(join(ROOT, 'dist/config/tls.js'))});
try { redshiftRootCerts(${JSON.stringify(locked)}); console.log('{}'); }
catch (e) { console.log(JSON.stringify({ kind: e.constructor.name, message: e.message, hint: e.hint })); }`;
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), ...asNobody });
      const e = JSON.parse(stdout) as { kind?: string; message?: string; hint?: string };
      expect(e.kind, stdout).toBe('ConfigError');
      expect(e.message).toContain('redshift.sslRootCert');
      expect(e.message).toMatch(/permission denied/);
      expect(e.hint).toContain('redshift.sslRootCert');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a directory as sslRootCert is a ConfigError too', () => {
    expect(() => redshiftRootCerts(scratch)).toThrow(/redshift\.sslRootCert: .* cannot be read \(EISDIR\)/);
  });

  it('refuses sslRootCert with a setting that checks no certificate, instead of ignoring it', () => {
    for (const ssl of ['require', false] as const) {
      expect(() => sslFor(ssl, TEST_CA)).toThrow(ConfigError);
      expect(() => sslFor(ssl, TEST_CA)).toThrow(/redshift\.sslRootCert is set, but redshift\.ssl is/);
    }
  });

  it('the schema accepts sslRootCert as a string only', () => {
    const v = validateConfig({ source: { url: 'postgres://rsetl@db.internal/lms' }, redshift: { sslRootCert: 42 } });
    expect(v.ok).toBe(false);
    expect(v.ok ? [] : v.problems.join('\n')).toMatch(/redshift\.sslRootCert/);
  });
});
