// After a failed COPY: Redshift's own account of the first rejected row (spec §6). Provisioned
// clusters have STL_LOAD_ERRORS (with the raw line); Serverless has only SYS_LOAD_ERROR_DETAIL.
// Both are read for the session's last COPY (pg_last_copy_id()), after the ROLLBACK, since the
// failed transaction accepts no more statements. Redshift pads these char(n) columns: trim them.
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

const STL = `SELECT trim(filename) AS file, line_number AS line, trim(colname) AS column, err_code AS code,
  trim(err_reason) AS reason, trim(raw_field_value) AS raw_value, trim(raw_line) AS raw_line
  FROM stl_load_errors WHERE query = pg_last_copy_id() ORDER BY line_number LIMIT 1`;
const SYS = `SELECT trim(file_name) AS file, line_number AS line, trim(column_name) AS column, error_code AS code,
  trim(error_message) AS reason FROM sys_load_error_detail WHERE query_id = pg_last_copy_id() ORDER BY line_number LIMIT 1`;

export async function diagnoseCopyFailure(s: WarehouseSession): Promise<LoadErrorDetail | undefined> {
  for (const sql of [STL, SYS]) {
    try {
      const r = await s.query<Record<string, string | number | null>>(sql);
      const row = r.rows[0];
      if (!row) continue;
      return {
        file: String(row.file),
        line: Number(row.line),
        column: String(row.column ?? ''),
        code: Number(row.code),
        reason: String(row.reason ?? ''),
        ...(row.raw_value != null ? { rawValue: String(row.raw_value) } : {}),
        ...(row.raw_line != null ? { rawLine: String(row.raw_line) } : {}),
      };
    } catch {
      // STL views do not exist on Serverless: try the SYS view next.
    }
  }
  return undefined;
}
