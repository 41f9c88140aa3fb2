// After a failed COPY: Redshift's own account of the first rejected row. Provisioned clusters have
// STL_LOAD_ERRORS (with the raw line); Serverless has only SYS_LOAD_ERROR_DETAIL. Both are read
// after the load's ROLLBACK (a failed transaction accepts no more statements), and the rows are
// found by what identifies this load for certain: this session (pg_backend_pid()), the load's own
// S3 prefix (it holds the load id) and a start time — not by pg_last_copy_id(), which Redshift does
// not update for a COPY whose transaction rolled back, and whose id SYS_LOAD_ERROR_DETAIL's
// query_id need not match on Serverless. Redshift pads these char(n) columns: trim them.
import type { WarehouseSession } from './session.js';

export interface LoadErrorDetail {
  /** s3:// URL of the part file holding the rejected row. */
  file: string;
  /** 1-based line in that file. */
  line: number;
  column: string;
  code: number;
  reason: string;
  rawValue?: string;
  rawLine?: string;
}

/** Which load's errors to read. */
export interface DiagnosisScope {
  /** s3://bucket/<prefix>/<schema>/<load id>/: every file the load staged starts with it. */
  fileUrlPrefix: string;
  /** UTC timestamp text a little before the load began (narrows the scan of the system table). */
  since: string;
}

const STL = `SELECT trim(filename) AS file, line_number AS line, trim(colname) AS col, err_code AS code,
  trim(err_reason) AS reason, trim(raw_field_value) AS raw_value, trim(raw_line) AS raw_line
  FROM stl_load_errors
  WHERE session = pg_backend_pid() AND starttime >= $2::timestamp AND left(trim(filename), $3::int) = $1
  ORDER BY starttime DESC, query DESC, line_number LIMIT 1`;
const SYS = `SELECT trim(file_name) AS file, line_number AS line, trim(column_name) AS col, error_code AS code,
  trim(error_message) AS reason
  FROM sys_load_error_detail
  WHERE session_id = pg_backend_pid() AND start_time >= $2::timestamp AND left(trim(file_name), $3::int) = $1
  ORDER BY start_time DESC, query_id DESC, line_number LIMIT 1`;

export interface Diagnosis {
  detail?: LoadErrorDetail;
  /** Why a view could not be read, when neither gave an answer (never swallowed silently). */
  problems: string[];
}

export async function diagnoseCopyFailure(s: WarehouseSession, scope: DiagnosisScope): Promise<Diagnosis> {
  const problems: string[] = [];
  for (const [view, sql] of [['stl_load_errors', STL], ['sys_load_error_detail', SYS]] as const) {
    let row: Record<string, string | number | null> | undefined;
    try {
      row = (await s.query<Record<string, string | number | null>>(sql, [scope.fileUrlPrefix, scope.since, scope.fileUrlPrefix.length])).rows[0];
    } catch (e) {
      // STL views do not exist on Serverless: the SYS view answers there. Kept for the report.
      problems.push(`${view}: ${(e as Error).message}`);
      continue;
    }
    if (!row) continue;
    return {
      detail: {
        file: String(row.file),
        line: Number(row.line),
        column: String(row.col ?? ''),
        code: Number(row.code),
        reason: String(row.reason ?? ''),
        ...(row.raw_value != null ? { rawValue: String(row.raw_value) } : {}),
        ...(row.raw_line != null ? { rawLine: String(row.raw_line) } : {}),
      },
      problems,
    };
  }
  return { problems };
}
