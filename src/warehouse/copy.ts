// The COPY statement rsetl sends (docs/design.md#copy). Always through a manifest with mandatory
// entries, never a key prefix (COPY from a prefix also loads every object whose name merely starts
// with it). No TRUNCATECOLUMNS or ACCEPTINVCHARS: rsetl cuts strings itself so COPY never silently
// changes data, and MAXERROR 0 makes any bad row fail the load.
import { ident, literal } from '../sql/quote.js';

export interface CopyTarget {
  table: string;
  columns?: readonly string[];
  manifestUrl: string;
  iamRole: string;
  /** Region of the bucket when it differs from the cluster's. */
  region?: string;
}

export function copySql(c: CopyTarget): string {
  const cols = c.columns ? ` (${c.columns.map(ident).join(', ')})` : '';
  return [
    `COPY ${ident(c.table)}${cols}`,
    `FROM ${literal(c.manifestUrl)}`,
    `IAM_ROLE ${literal(c.iamRole)}`,
    c.region ? `REGION ${literal(c.region)}` : '',
    `MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto' ROUNDEC`,
    // Stage tables are loaded once and dropped: compression analysis and statistics would only
    // add seconds to every load.
    `COMPUPDATE OFF STATUPDATE OFF MAXERROR 0`,
  ]
    .filter(Boolean)
    .join(' ');
}
