// What rsetl trusts on a Redshift TLS connection, and how a refused certificate is explained.
// The default trust is the Amazon Trust Services roots shipped in certs/ (made by
// scripts/update-redshift-ca-bundle.mjs), not Node's whole store: a Redshift endpoint presents an
// ACM certificate, and pinning to Amazon's roots is what AWS's drivers do. `redshift.sslRootCert`
// replaces that bundle for a private CA, a TLS proxy or the local stand-in.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';

/** certs/ at the package root: two levels up from src/config/ (tests) and dist/config/ (installed) alike. */
export const REDSHIFT_CA_BUNDLE = fileURLToPath(new URL('../../certs/redshift-ca-bundle.pem', import.meta.url));

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The PEM text of the CA certificates to verify Redshift against: `sslRootCert` when given
 * (relative to the working directory), else the shipped bundle. A file that cannot be read or
 * holds no certificate is a ConfigError naming the key, before any connection is tried.
 */
export function redshiftRootCerts(sslRootCert: string | undefined): string {
  const file = sslRootCert === undefined ? REDSHIFT_CA_BUNDLE : resolve(sslRootCert);
  const what = sslRootCert === undefined ? `the Redshift CA bundle shipped with rsetl (${file})` : `redshift.sslRootCert: ${file}`;
  const hint =
    sslRootCert === undefined
      ? 'the installed package is incomplete: reinstall rsetl, or set redshift.sslRootCert to a PEM file of the CA to trust'
      : 'set redshift.sslRootCert to a readable PEM file holding the CA certificate(s) that issued the server certificate';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not readable (permission denied)' : `cannot be read (${code ?? String(e)})`;
    throw new ConfigError(`${what} ${why}`, { hint, context: { path: file } });
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  const unparsable = blocks.findIndex((pem) => {
    try {
      new X509Certificate(pem);
      return false;
    } catch {
      return true;
    }
  });
  if (blocks.length === 0 || unparsable >= 0) {
    const why = blocks.length === 0 ? 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)' : `certificate ${unparsable + 1} is not a valid X.509 certificate`;
    throw new ConfigError(`${what} ${why}`, { hint, context: { path: file } });
  }
  return blocks.join('\n');
}

/** Node's codes for a server certificate that did not verify (chain, validity or host name). */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** pg's error when rsetl asked for TLS and the server answered the SSLRequest with 'N'. */
const NO_TLS = /server does not support SSL connections/i;

type Raw = { code?: unknown; message?: unknown; cause?: unknown };

/**
 * What to tell an operator when a TLS setting, not the network, stopped the connection: the
 * server's certificate did not verify, or the server offers no TLS. Undefined for anything else.
 */
export function tlsSettingHint(e: unknown): string | undefined {
  for (let r = e as Raw | undefined, depth = 0; r !== null && typeof r === 'object' && depth < 5; r = r.cause as Raw | undefined, depth++) {
    const code = typeof r.code === 'string' ? r.code : '';
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return "the server's certificate is for another host name: connect by the name it was issued for (a Redshift endpoint's own DNS name, not an IP address or alias) in redshift.url / redshift.host, or, knowingly, set redshift.ssl to \"require\" (encrypts without verifying)";
    }
    if (CERTIFICATE_CODES.has(code)) {
      return "the server's certificate did not verify against the trusted CAs (the Amazon Redshift CA bundle shipped with rsetl, or redshift.sslRootCert when set): behind a private CA, a TLS proxy or on the local stand-in, set redshift.sslRootCert to that CA's PEM file; redshift.ssl \"require\" encrypts without verifying";
    }
    if (NO_TLS.test(String(r.message ?? ''))) {
      return 'the server does not offer TLS: real Redshift always does, so check redshift.url / redshift.host; for a local stand-in without a certificate set redshift.ssl to false';
    }
  }
  return undefined;
}
