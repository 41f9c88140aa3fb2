// The stand-in's own "system tables" in each database it serves: the `rsetl_standin` schema with
// one row per COPY (copy_log) and one per load error (load_error), and Redshift-shaped views over
// them, plus the Redshift functions PostgreSQL lacks (redshift-functions-sql.ts). Column names
// and types follow AWS's documentation of STL_LOAD_ERRORS, SYS_LOAD_ERROR_DETAIL, STL_LOAD_COMMITS
// and SYS_LOAD_HISTORY, including the blank-padded character(n) columns that make readers trim()
// on a real cluster too.
// The tables are written through a separate autocommit connection: like Redshift's system
// tables, a record survives the rollback of the transaction whose COPY failed.
import { REDSHIFT_FUNCTIONS_SQL } from './redshift-functions-sql.js';
import { STANDIN_SCHEMA as S } from './system-objects-rewrite.js';

/**
 * pg_last_copy_id() and pg_last_copy_count() as the Amazon Redshift Database Developer Guide's
 * "PG_LAST_COPY_ID" page has them: the id is that of the session's last COPY that began loading;
 * "If the COPY fails because of invalid load data, the COPY ID is updated", but "If the COPY
 * transaction is rolled back, the COPY ID is not updated" (PG_LAST_COPY_COUNT follows the same id).
 * copy_log is written on the load log's own autocommit connection, so a COPY whose client
 * transaction later rolled back is still listed: pg_xact_status() of the client's transaction tells
 * it apart ('in progress' is the session's own open block; NULL, a transaction too old to look up,
 * ended long ago and is taken as committed). A failed COPY keeps counting although its transaction
 * always aborts. The first two lines select this session's COPYs: pids are reused, so only those
 * since the backend started.
 */
const THIS_SESSION = `l.session_id = pg_backend_pid()
  AND l.start_time >= (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
  AND (l.status = 'failed' OR coalesce(pg_xact_status(l.transaction_id::text::xid8), 'committed') <> 'aborted')`;

export const LOAD_LOG_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS ${S};
CREATE SEQUENCE IF NOT EXISTS ${S}.query_id START 1000;
CREATE TABLE IF NOT EXISTS ${S}.copy_log (
  query_id bigint PRIMARY KEY, transaction_id bigint, session_id int, user_id int,
  database_name text, table_id int, table_name text, start_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  end_time timestamptz, status text NOT NULL DEFAULT 'running', loaded_rows bigint NOT NULL DEFAULT 0,
  loaded_bytes bigint NOT NULL DEFAULT 0, source_files text[] NOT NULL DEFAULT '{}', not_honoured text[] NOT NULL DEFAULT '{}',
  error_message text);
CREATE TABLE IF NOT EXISTS ${S}.load_error (
  query_id bigint NOT NULL, transaction_id bigint, session_id int, user_id int, database_name text,
  table_id int, start_time timestamptz NOT NULL, file_name text NOT NULL DEFAULT '', line_number bigint NOT NULL DEFAULT 0,
  column_name text NOT NULL DEFAULT '', column_type text NOT NULL DEFAULT '', column_length text NOT NULL DEFAULT '',
  position int NOT NULL DEFAULT 0, raw_line text NOT NULL DEFAULT '', raw_field_value text NOT NULL DEFAULT '',
  error_code int NOT NULL, error_message text NOT NULL);

CREATE OR REPLACE VIEW ${S}.stl_load_errors AS
SELECT user_id AS userid, 0 AS slice, table_id AS tbl, (start_time AT TIME ZONE 'UTC')::timestamp AS starttime,
  session_id AS session, query_id::int AS query, file_name::char(256) AS filename, line_number,
  column_name::char(127) AS colname, column_type::char(10) AS type, column_length::char(10) AS col_length, position,
  -- Redshift shows multibyte characters of the raw line as periods.
  regexp_replace(raw_line, '[^\\x01-\\x7f]', '.', 'g')::char(1024) AS raw_line,
  raw_field_value::char(1024) AS raw_field_value, error_code AS err_code, error_message::char(100) AS err_reason,
  0 AS is_partial, 0::bigint AS start_offset, 0::bigint AS copy_job_id
FROM ${S}.load_error;

CREATE OR REPLACE VIEW ${S}.sys_load_error_detail AS
SELECT user_id, query_id, transaction_id, session_id, database_name::char(64) AS database_name, table_id,
  (start_time AT TIME ZONE 'UTC')::timestamp AS start_time, file_name::char(256) AS file_name, line_number,
  column_name::char(127) AS column_name, column_type::char(10) AS column_type,
  column_length::char(10) AS column_length, position, error_code, error_message::char(512) AS error_message
FROM ${S}.load_error;

CREATE OR REPLACE VIEW ${S}.stl_load_commits AS
SELECT l.user_id AS userid, l.query_id::int AS query, 0 AS slice, l.table_name::char(256) AS name,
  f.file::char(256) AS filename, 0::bigint AS byte_offset, l.loaded_rows AS lines_scanned, 0 AS errors,
  (l.end_time AT TIME ZONE 'UTC')::timestamp AS curtime, 1 AS status, 'Json'::char(16) AS file_format
FROM ${S}.copy_log l, unnest(l.source_files) AS f(file)
WHERE l.status = 'completed';

CREATE OR REPLACE VIEW ${S}.sys_load_history AS
SELECT user_id, query_id, status::char(30) AS status, session_id, transaction_id, database_name::char(64) AS database_name,
  table_name::char(136) AS table_name, (start_time AT TIME ZONE 'UTC')::timestamp AS start_time,
  (end_time AT TIME ZONE 'UTC')::timestamp AS end_time,
  (extract(epoch FROM end_time - start_time) * 1000000)::bigint AS duration, 'S3'::char(256) AS data_source,
  'JSON'::char(16) AS file_format, loaded_rows, loaded_bytes, cardinality(source_files) AS source_file_count,
  loaded_bytes AS source_file_bytes, not_honoured, error_message
FROM ${S}.copy_log;

CREATE OR REPLACE FUNCTION ${S}.pg_last_copy_id() RETURNS int LANGUAGE sql STABLE AS $f$
  SELECT coalesce((SELECT l.query_id::int FROM ${S}.copy_log l WHERE ${THIS_SESSION}
                   ORDER BY l.query_id DESC LIMIT 1), -1) $f$;
CREATE OR REPLACE FUNCTION ${S}.pg_last_copy_count() RETURNS bigint LANGUAGE sql STABLE AS $f$
  SELECT coalesce((SELECT l.loaded_rows FROM ${S}.copy_log l WHERE ${THIS_SESSION}
                   ORDER BY l.query_id DESC LIMIT 1), 0) $f$;

${REDSHIFT_FUNCTIONS_SQL}
GRANT USAGE ON SCHEMA ${S} TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA ${S} TO PUBLIC;
`;
