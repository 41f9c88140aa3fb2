// Check 5: the real round trip. One row goes the way every load's rows go — encoded by the row
// encoder, gzip NDJSON through StagedLoad with a manifest of mandatory entries — then Redshift
// COPYs it with the configured IAM role (copySql, as loads send it) into a temp table, and the row
// is read back and compared. This is where a role the cluster cannot assume, a bucket in another
// region or a missing s3:GetObject for the role shows, before the first production poll does.
// Nothing persists: the temp table lives in a transaction that is rolled back, and the objects are
// deleted in a finally.
import { s3ClientSettings } from '../config/load.js';
import type { RsetlConfig } from '../config/schema.js';
import { int8, sqlType, timestamp, varchar } from '../model/columns.js';
import { settingsFrom } from '../pipeline/connections.js';
import { createS3Client, ObjectStore } from '../stage/object-store.js';
import { rowEncoder } from '../stage/row-encoder.js';
import { StagedLoad, type StagedTable } from '../stage/staged-load.js';
import { copySql } from '../warehouse/copy.js';
import type { WarehouseSession } from '../warehouse/session.js';
import { ident } from '../sql/quote.js';
import { CheckFailure, fail, guarded, pass, type CheckOutcome, type DoctorContext } from './check.js';
import { probePrefix } from './s3-check.js';

const PROBE_TABLE = 'rsetl_doctor_probe';
const PROBE_COLUMNS = { id: int8().nn, label: varchar(64), loaded_at: timestamp() } as const;
/** Multi-byte characters on purpose: VARCHAR lengths count bytes, and the file must stay UTF-8. */
const PROBE_ROW = { id: 1, label: 'rsetl doctor ✓ ünïcode', loaded_at: '2001-02-03 04:05:06' };

/** Cause and fix for a failed COPY of the probe, from what Redshift said. */
export function copyProblem(message: string, config: RsetlConfig): { cause: string; fix: string } {
  const role = config.redshift.iamRole ?? '';
  const { bucket, prefix, region } = config.s3;
  const read = `s3:GetObject on arn:aws:s3:::${bucket}/${prefix}/* and s3:ListBucket on arn:aws:s3:::${bucket}`;
  if (/get credentials of role|assume ?role|not authorized to assume|is not associated|InvalidRole|IAM role .* (invalid|not)/i.test(message)) {
    return {
      cause: `Redshift could not use the IAM role ${role}: it is not associated with the cluster (or Serverless namespace), its trust policy does not let redshift.amazonaws.com assume it, or the ARN is wrong`,
      fix: `redshift.iamRole: name a role associated with the cluster (Redshift console → cluster → Properties → Associated IAM roles), trusted by redshift.amazonaws.com, that allows ${read}`,
    };
  }
  if (/PermanentRedirect|\b301\b|must be addressed using the specified endpoint|different region|wrong region|region/i.test(message)) {
    return {
      cause: `the bucket ${bucket} is in another region than the cluster`,
      fix: `set redshift.region to the cluster's region and s3.region to the bucket's (now ${region}); rsetl then adds REGION to COPY`,
    };
  }
  if (/NoSuchBucket|specified bucket does not exist/i.test(message)) {
    return { cause: `the cluster cannot see bucket ${bucket}`, fix: 's3.bucket: the bucket the cluster reads must be the one rsetl writes to' };
  }
  if (/Access ?Denied|\b403\b|not authori[sz]ed/i.test(message)) {
    return {
      cause: `the IAM role ${role} may not read the staged objects`,
      fix: `allow ${read} in the policy of ${role} (and kms:Decrypt with SSE-KMS); check the bucket policy too`,
    };
  }
  if (/NoSuchKey|key does not exist|mandatory file/i.test(message)) {
    return {
      cause: 'Redshift reads another S3 than the one rsetl wrote to',
      fix: 's3.endpoint is for S3-compatible stores the cluster also reads; leave it unset for AWS',
    };
  }
  return { cause: 'Redshift rejected the COPY of a one-row file staged exactly as loads stage theirs', fix: 'read the message above; with RSETL_DEBUG=1 rerun and report it if it is not about the environment' };
}

async function stage(store: ObjectStore, config: RsetlConfig, keyPrefix: string): Promise<StagedTable> {
  const sink = new StagedLoad(store, {
    keyPrefix,
    upload: { partSizeBytes: config.s3.partSizeMb * 1024 * 1024, queueSize: config.s3.uploadConcurrency },
  });
  try {
    sink.write(PROBE_TABLE, rowEncoder(PROBE_COLUMNS)(PROBE_ROW));
    return (await sink.finish()).get(PROBE_TABLE)!;
  } catch (e) {
    sink.abort();
    throw new CheckFailure(`staging the probe under s3://${config.s3.bucket}/${keyPrefix} failed: ${(e as Error).message}`, 'S3 refused the staged upload', 'see the S3 check; multipart uploads also need s3:AbortMultipartUpload');
  }
}

async function copyAndReadBack(session: WarehouseSession, config: RsetlConfig, staged: StagedTable): Promise<void> {
  const settings = settingsFrom(config, 1);
  const cols = Object.entries(PROBE_COLUMNS).map(([name, c]) => `${ident(name)} ${sqlType(c)}`);
  await session.query('BEGIN');
  try {
    await session.query(`CREATE TEMP TABLE ${ident(PROBE_TABLE)} (${cols.join(', ')})`);
    try {
      await session.query(copySql({ table: PROBE_TABLE, manifestUrl: staged.manifestUrl, iamRole: settings.iamRole, ...(settings.s3Region && { region: settings.s3Region }) }));
    } catch (e) {
      const message = (e as Error).message.replace(/^Redshift: /, '');
      const p = copyProblem(message, config);
      throw new CheckFailure(`COPY of ${staged.manifestUrl} with IAM role ${settings.iamRole} failed: ${message}`, p.cause, p.fix);
    }
    const r = await session.query<{ id: string; label: string | null; loaded_at: string | null }>(
      `SELECT id, label, loaded_at FROM ${ident(PROBE_TABLE)}`,
    );
    const got = r.rows.map((x) => ({ id: Number(x.id), label: x.label, loaded_at: x.loaded_at }));
    if (got.length !== 1 || JSON.stringify(got[0]) !== JSON.stringify(PROBE_ROW)) {
      throw new CheckFailure(
        `COPY loaded ${JSON.stringify(got)} instead of ${JSON.stringify([PROBE_ROW])}`,
        'the row did not survive staging and COPY unchanged (encoding or time format)',
        'report it: loads would change data the same way',
      );
    }
  } finally {
    // The temp table goes with the transaction: nothing of the probe stays in Redshift.
    await session.rollback();
  }
}

/** Deletes the probe's objects; returns why that failed, if it did. */
async function removeProbe(store: ObjectStore, keyPrefix: string): Promise<string | undefined> {
  try {
    await store.deletePrefix(keyPrefix);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    store.client.destroy();
  }
}

export async function checkRoundTrip(ctx: DoctorContext): Promise<CheckOutcome> {
  const config = ctx.config!;
  const store = new ObjectStore(createS3Client(s3ClientSettings(config)), config.s3.bucket);
  const keyPrefix = probePrefix(config);
  const where = `s3://${config.s3.bucket}/${keyPrefix}`;
  const settings = settingsFrom(config, 1);
  let cleanupError: string | undefined;
  const outcome = await guarded(async () => {
    try {
      const staged = await stage(store, config, keyPrefix);
      await copyAndReadBack(ctx.warehouse!, config, staged);
    } finally {
      cleanupError = await removeProbe(store, keyPrefix);
    }
    return pass(
      `1 row staged as gzip NDJSON + manifest under ${where}, COPY with ${settings.iamRole}${settings.s3Region ? ` REGION ${settings.s3Region}` : ''} into a temp table, read back intact; objects deleted, transaction rolled back`,
      { iamRole: settings.iamRole, ...(settings.s3Region && { region: settings.s3Region }), stagedUnder: keyPrefix },
    );
  });
  if (cleanupError === undefined) return outcome;
  const leftover = `the probe objects under ${where} could not be deleted: ${cleanupError}`;
  const fix = `allow s3:DeleteObject on arn:aws:s3:::${config.s3.bucket}/${config.s3.prefix}/*, then delete ${where}`;
  if (outcome.status === 'fail') return { ...outcome, detail: `${outcome.detail}; ${leftover}`, fix: `${outcome.fix}; ${fix}` };
  return fail(leftover, 'the credentials may put objects but not delete them', fix);
}
