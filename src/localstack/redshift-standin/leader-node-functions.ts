// Functions (and casts) that Amazon Redshift runs only on its leader node. A statement that uses
// one and also names a user table, or a system table that lives on the compute nodes, fails on
// Redshift; alone, or with catalog tables only, it runs. PostgreSQL runs all of them anywhere, so
// without this rule such a statement passes every test and breaks on the first real cluster.
//
// Sources (Amazon Redshift Database Developer Guide):
// - "Leader node–only functions": CURRENT_SCHEMA, CURRENT_SCHEMAS, HAS_DATABASE_PRIVILEGE,
//   HAS_SCHEMA_PRIVILEGE, HAS_TABLE_PRIVILEGE, SUBSTR, FACTORIAL, LOG, and the deprecated AGE,
//   CURRENT_TIME, CURRENT_TIMESTAMP, LOCALTIME, ISFINITE, NOW, GETBIT, GET_BYTE, SET_BIT,
//   SET_BYTE, TO_ASCII ("Date functions" adds LOCALTIMESTAMP); "VERSION" carries the same note.
// - "Unsupported PostgreSQL functions": unsupported functions "will not return an error when run
//   on the leader node" — the set-returning GENERATE_SERIES, the access privilege inquiry, system
//   catalog information, comment information, schema visibility and object size functions, which
//   catalog queries use. "Unsupported PostgreSQL data types": the object identifier types
//   (`::regclass`) likewise run on the leader node only.
// - "SQL functions supported on the leader node": a query runs on the leader node only when it
//   references catalog tables (PG_ prefix) or no table; user tables and the STL_/STV_ system
//   tables and SVL_/SVV_ system views are on the compute nodes. Its example gives the error:
//   INFO `Function "current_schema()" not supported.`, then ERROR `Specified types or functions
//   (one per INFO message) not supported on Amazon Redshift tables.`; clusters word the ERROR
//   "... not supported on Redshift tables." with SQLSTATE 0A000, which is what the stand-in sends.
//   The stand-in can send only the ERROR, so the INFO lines follow its text.
import { forEachInTree, lastName, relationName, relationsOf, type ParsedSql, type Refusal } from './sql-tree.js';
import { STANDIN_SCHEMA } from './system-objects-rewrite.js';

export const LEADER_NODE_ERROR = 'Specified types or functions (one per INFO message) not supported on Redshift tables.';

/** A cheap test: every name below matches it. */
const HINT =
  /\b(?:now|age|isfinite|version|substr|factorial|log|get_byte|get_bit|set_byte|set_bit|to_ascii|generate_series|generate_subscripts|format_type|col_description|obj_description|shobj_description|pg_has_role)\b|current_time|current_schema|localtime|has_\w*privilege|pg_get_|_is_visible|_size\b|pg_relation_|\breg(?:class|proc|procedure|oper|operator|type|namespace|role|config|dictionary|collation)\b/i;

const FUNCTIONS = new Set([
  // "Leader node–only functions", current and deprecated.
  'current_schema', 'current_schemas', 'has_database_privilege', 'has_schema_privilege', 'has_table_privilege', 'substr',
  'factorial', 'log', 'age', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'isfinite', 'now',
  'get_bit', 'get_byte', 'set_bit', 'set_byte', 'to_ascii', 'version',
  // Unsupported, but answered by the leader node for catalog queries.
  'generate_series', 'generate_subscripts', 'format_type', 'col_description', 'obj_description', 'shobj_description',
  'pg_has_role', 'pg_size_pretty', 'pg_column_size',
]);
/** Families of the same: privilege inquiry, catalog information, visibility and size functions. */
const FUNCTION_FAMILIES = /^(?:has_\w+_privilege|pg_get_\w+|pg_\w+_is_visible|pg_(?:total_)?relation_\w+|pg_(?:table|indexes|database|tablespace)_size)$/;
/** Redshift's own pg_get_ functions run on the compute nodes too. */
const REDSHIFT_FUNCTIONS = new Set(['pg_get_cols', 'pg_get_late_binding_view_cols', 'pg_get_grantee_by_iam_role', 'pg_get_iam_role_by_user']);

/** CURRENT_TIMESTAMP and its kin without parentheses are SQLValueFunctions in PostgreSQL's tree. */
const VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

const OBJECT_ID_TYPES = /^reg(?:class|proc|procedure|oper|operator|type|namespace|role|config|dictionary|collation)$/;

/** Statements that run a query on Redshift (a view's definition runs only when the view is read). */
const QUERY_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CreateTableAsStmt', 'ExplainStmt']);

/** Redshift's error for the first statement that mixes a leader-node-only function with a compute-node table. */
export function findLeaderNodeOnlyUse(parsed: ParsedSql): Refusal | undefined {
  if (!HINT.test(parsed.text)) return undefined;
  for (const s of parsed.statements ?? []) {
    const [kind, body] = Object.entries(s.stmt)[0] ?? [];
    if (!kind || !QUERY_STATEMENTS.has(kind)) continue;
    const uses = leaderNodeOnlyUses(body);
    if (uses.length === 0) continue;
    const table = relationsOf(body).find((r) => !runsOnLeaderNode(r));
    if (!table) continue;
    const info = uses.join(' ');
    return {
      code: '0A000',
      message:
        `${LEADER_NODE_ERROR} ${info} (the Redshift stand-in rejected this statement: ` +
        `Redshift runs these only on its leader node, and the statement also reads ${relationName(table)}, which is on the compute nodes)`,
    };
  }
  return undefined;
}

/** The INFO lines Redshift would send, one per leader-node-only function or type the statement uses. */
function leaderNodeOnlyUses(body: unknown): string[] {
  const uses = new Set<string>();
  forEachInTree(body, (key, value) => {
    if (key === 'FuncCall') {
      const name = lastName(value.funcname);
      const schema = value.funcname?.length > 1 ? String(value.funcname[0]?.String?.sval) : undefined;
      if (schema !== undefined && schema !== 'pg_catalog') return;
      if ((FUNCTIONS.has(name) || FUNCTION_FAMILIES.test(name)) && !REDSHIFT_FUNCTIONS.has(name)) uses.add(`Function "${name}()" not supported.`);
    } else if (key === 'SQLValueFunction') {
      const name = VALUE_FUNCTIONS[value.op];
      if (name) uses.add(`Function "${name}" not supported.`);
    } else if (key === 'TypeCast') {
      const name = lastName(value.typeName?.names);
      if (OBJECT_ID_TYPES.test(name)) uses.add(`Type "${name}" not supported.`);
    }
  });
  return [...uses];
}

const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);
/** System tables and views on the compute nodes ("SQL functions supported on the leader node"). */
const COMPUTE_SYSTEM_PREFIX = /^(?:stl|stv|svl|svv)_/;

/**
 * Whether a relation lives on the leader node: a catalog table (PG_ prefix, pg_catalog,
 * information_schema). The Guide does not place the SYS_ monitoring views; they are taken as
 * leader-node ones so that the rule never refuses what Redshift may accept. The stand-in's own
 * schema holds its versions of STL_LOAD_ERRORS and the like, judged by their Redshift names.
 */
function runsOnLeaderNode(r: { schemaname?: string; relname: string }): boolean {
  const name = r.relname.toLowerCase();
  if (COMPUTE_SYSTEM_PREFIX.test(name)) return false;
  if (r.schemaname !== undefined && (CATALOG_SCHEMAS.has(r.schemaname) || r.schemaname === STANDIN_SCHEMA)) return true;
  return name.startsWith('pg_') || name.startsWith('sys_');
}
