#!/usr/bin/env node
// Writes certs/redshift-ca-bundle.pem: the roots a Redshift endpoint's certificate chains to, and
// nothing else, for `redshift.ssl: true | "verify-full"`.
//
// Redshift's certificates are issued by AWS Certificate Manager and chain to the five Amazon Trust
// Services roots (Amazon Root CA 1-4; Starfield Services Root CA G2 for older chains): the roots
// ATS tells custom trust stores to hold (https://www.amazontrust.com/repository/), which the bundle
// the Redshift guide points to is made of (https://s3.amazonaws.com/redshift-downloads/
// amazon-trust-ca-bundle.crt, "Configuring security options for connections"). The certificates
// are taken from Node's own root store (Mozilla's) rather than downloaded at build time, and each
// must match both pins below before anything is written, so a changed or tampered store stops the
// script instead of changing what rsetl trusts.
//
//   node scripts/update-redshift-ca-bundle.mjs           writes the bundle
//   node scripts/update-redshift-ca-bundle.mjs --check   exits 1 when the committed bundle differs
//
// Updating: when ATS publishes a new root (or retires one), check its fingerprints on
// https://www.amazontrust.com/repository/ (which publishes the SPKI hash) and against a second
// source (Mozilla's CCADB, or `openssl x509 -fingerprint -sha256` of the DER ATS serves), edit
// ROOTS, run this under a Node whose store holds the new root, and commit the regenerated file.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import tls from 'node:tls';

const BUNDLE = fileURLToPath(new URL('../certs/redshift-ca-bundle.pem', import.meta.url));

/**
 * sha256: the certificate's SHA-256 fingerprint (as Node and `openssl x509 -fingerprint -sha256`
 * print it); spki: SHA-256 of the Subject Public Key Info, the value amazontrust.com/repository
 * publishes for each root.
 */
const ROOTS = [
  {
    cn: 'Amazon Root CA 1',
    sha256: '8E:CD:E6:88:4F:3D:87:B1:12:5B:A3:1A:C3:FC:B1:3D:70:16:DE:7F:57:CC:90:4F:E1:CB:97:C6:AE:98:19:6E',
    spki: 'fbe3018031f9586bcbf41727e417b7d1c45c2f47f93be372a17b96b50757d5a2',
  },
  {
    cn: 'Amazon Root CA 2',
    sha256: '1B:A5:B2:AA:8C:65:40:1A:82:96:01:18:F8:0B:EC:4F:62:30:4D:83:CE:C4:71:3A:19:C3:9C:01:1E:A4:6D:B4',
    spki: '7f4296fc5b6a4e3b35d3c369623e364ab1af381d8fa7121533c9d6c633ea2461',
  },
  {
    cn: 'Amazon Root CA 3',
    sha256: '18:CE:6C:FE:7B:F1:4E:60:B2:E3:47:B8:DF:E8:68:CB:31:D0:2E:BB:3A:DA:27:15:69:F5:03:43:B4:6D:B3:A4',
    spki: '36abc32656acfc645c61b71613c4bf21c787f5cabbee48348d58597803d7abc9',
  },
  {
    cn: 'Amazon Root CA 4',
    sha256: 'E3:5D:28:41:9E:D0:20:25:CF:A6:90:38:CD:62:39:62:45:8D:A5:C6:95:FB:DE:A3:C2:2B:0B:FB:25:89:70:92',
    spki: 'f7ecded5c66047d28ed6466b543c40e0743abe81d109254dcf845d4c2c7853c5',
  },
  {
    cn: 'Starfield Services Root Certificate Authority - G2',
    sha256: '56:8D:69:05:A2:C8:87:08:A4:B3:02:51:90:ED:CF:ED:B1:97:4A:60:6A:13:C6:E5:29:0F:CB:2A:E6:3E:DA:B5',
    spki: '2b071c59a0a0ae76b0eadb2bad23bad4580b69c3601b630c2eaf0613afa83f92',
  },
];

const fail = (message) => {
  console.error(`update-redshift-ca-bundle: ${message}`);
  process.exit(1);
};

const cnOf = (cert) => /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
const spkiOf = (cert) => createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');

const store = tls.rootCertificates.map((pem) => ({ pem: pem.trim(), cert: new X509Certificate(pem) }));
const chosen = ROOTS.map((root) => {
  const found = store.filter((s) => cnOf(s.cert) === root.cn);
  if (found.length === 0) {
    // Mozilla retires old roots on a schedule; when Node drops one, decide from the ATS repository
    // whether Redshift still needs it before removing it from ROOTS.
    fail(`Node ${process.version}'s root store has no "${root.cn}": check https://www.amazontrust.com/repository/ and edit ROOTS`);
  }
  if (found.length > 1) fail(`Node's root store has ${found.length} certificates named "${root.cn}"`);
  const { pem, cert } = found[0];
  if (cert.fingerprint256 !== root.sha256) fail(`"${root.cn}": fingerprint ${cert.fingerprint256}, expected ${root.sha256}`);
  if (spkiOf(cert) !== root.spki) fail(`"${root.cn}": public key hash ${spkiOf(cert)}, expected ${root.spki} (amazontrust.com)`);
  if (cert.subject !== cert.issuer) fail(`"${root.cn}" is not self-signed`);
  return { root, pem, cert };
});

// A root Amazon added since ROOTS was written is worth a look, not a silent omission.
const listed = new Set(ROOTS.map((r) => r.cn));
for (const { cert } of store) {
  const cn = cnOf(cert);
  if (cn && /^Amazon\b/.test(cn) && !listed.has(cn)) console.warn(`note: Node's store also holds "${cn}" (not in ROOTS)`);
}

const fingerprintsIn = (text) =>
  [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]).fingerprint256);

if (process.argv.includes('--check')) {
  let committed;
  try {
    committed = fingerprintsIn(readFileSync(BUNDLE, 'utf8'));
  } catch (e) {
    fail(`cannot read ${BUNDLE}: ${e.message}`);
  }
  const expected = chosen.map((c) => c.cert.fingerprint256);
  if (committed.join() !== expected.join()) fail(`${BUNDLE} differs from what this script writes: rerun it without --check`);
  console.log(`${BUNDLE}: up to date (${committed.length} roots)`);
  process.exit(0);
}

const today = new Date().toISOString().slice(0, 10);
const header = [
  'Amazon Redshift CA bundle for rsetl (redshift.ssl: true or "verify-full").',
  '',
  "Redshift's certificates are issued by AWS Certificate Manager and chain to the Amazon Trust",
  'Services roots below: Amazon Root CA 1-4, and Starfield Services Root CA G2 for older chains.',
  'They are the roots ATS recommends custom trust stores hold (https://www.amazontrust.com/repository/);',
  "AWS's own Redshift bundle (https://s3.amazonaws.com/redshift-downloads/amazon-trust-ca-bundle.crt)",
  "is made of the same roots. This file is built from Node's root store, not downloaded, so its bytes differ",
  "from AWS's; compare certificate fingerprints, not files.",
  '',
  `Generated ${today} by scripts/update-redshift-ca-bundle.mjs from the root store of Node ${process.version}`,
  '(Mozilla NSS), each certificate checked against the SHA-256 fingerprint and the ATS-published',
  'public key hash listed in that script. Do not edit by hand: to update, follow the comment at the',
  'top of the script, run `node scripts/update-redshift-ca-bundle.mjs`, and commit the result.',
  'To trust another CA instead (a private CA, a proxy, the local stand-in), set redshift.sslRootCert.',
].map((l) => (l === '' ? '#' : `# ${l}`));

const blocks = chosen.map(({ cert, pem }) =>
  [
    `# ${cnOf(cert)}`,
    `# SHA-256 fingerprint: ${cert.fingerprint256}`,
    `# valid until: ${new Date(cert.validTo).toISOString().slice(0, 10)}`,
    pem,
  ].join('\n'),
);

const text = `${header.join('\n')}\n\n${blocks.join('\n\n')}\n`;
// Round trip: what is written must parse back to exactly the pinned certificates.
if (fingerprintsIn(text).join() !== ROOTS.map((r) => r.sha256).join()) fail('the written bundle does not parse back to the pinned roots');
writeFileSync(BUNDLE, text);
console.log(`wrote ${BUNDLE}: ${chosen.length} roots`);
