// ALTER TABLE beyond what Amazon Redshift does. Amazon Redshift Database Developer Guide,
// "ALTER TABLE": one action per statement (only the Redshift-only SORTKEY/DISTKEY/ENCODE
// combinations, which PostgreSQL cannot parse, may be combined; "You can add only one column in
// each ALTER TABLE statement"); the actions are ADD/DROP [COLUMN], ADD table_constraint (UNIQUE,
// PRIMARY KEY, FOREIGN KEY), DROP CONSTRAINT, OWNER TO, RENAME, and ALTER COLUMN ... TYPE, which
// "only supports altering the size of a VARCHAR data type" and not on columns with UNIQUE,
// PRIMARY KEY or FOREIGN KEY constraints, nor inside a transaction block (that last rule is
// postgres-only-lint.ts's findTransactionBlockRestriction, checked by the session).
//
// Error texts: a second action is a syntax error on Redshift, so the stand-in answers as its
// parser would (`syntax error at or near ","`, 42601). Clusters refuse `USING` with "ALTER TABLE
// ALTER COLUMN does not support USING expression" (0A000), SET/DROP DEFAULT with "ALTER COLUMN
// SET/DROP DEFAULT is not supported", and shrinking a VARCHAR that has a default with "cannot
// decrease a VARCHAR column size with default value" (growing one is accepted there, although the
// Guide says columns with defaults cannot be altered). The Guide quotes none of these; the rest
// are named by the stand-in.
import { catalogRows, type CatalogCheck } from './catalog-checks.js';
import { notSupported } from './postgres-only-lint.js';
import { literal } from './sql-literal.js';
import { lastName, regclassText, relationName, type ParsedSql, type Refusal, type TreeNode } from './sql-tree.js';

const HINT = /\balter\s+table\b/i;

const ALLOWED_ACTIONS = new Set(['AT_AddColumn', 'AT_DropColumn', 'AT_AddConstraint', 'AT_DropConstraint', 'AT_ChangeOwner', 'AT_AlterColumnType']);
const REDSHIFT_CONSTRAINTS = new Set(['CONSTR_UNIQUE', 'CONSTR_PRIMARY', 'CONSTR_FOREIGN']);

/** PostgreSQL's ALTER TABLE actions Redshift lacks, as the stand-in names them. */
const ACTION_NAMES: Record<string, string> = {
  AT_SetNotNull: 'ALTER COLUMN ... SET NOT NULL',
  AT_DropNotNull: 'ALTER COLUMN ... DROP NOT NULL',
  AT_SetStatistics: 'ALTER COLUMN ... SET STATISTICS',
  AT_SetStorage: 'ALTER COLUMN ... SET STORAGE',
  AT_SetCompression: 'ALTER COLUMN ... SET COMPRESSION',
  AT_AddIdentity: 'ALTER COLUMN ... ADD GENERATED AS IDENTITY',
  AT_DropExpression: 'ALTER COLUMN ... DROP EXPRESSION',
  AT_EnableRowSecurity: 'ENABLE ROW LEVEL SECURITY (Redshift: ROW LEVEL SECURITY ON)',
  AT_DisableRowSecurity: 'DISABLE ROW LEVEL SECURITY (Redshift: ROW LEVEL SECURITY OFF)',
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_AttachPartition: 'ATTACH PARTITION',
  AT_DetachPartition: 'DETACH PARTITION',
  AT_AddInherit: 'INHERIT',
  AT_DropInherit: 'NO INHERIT',
  AT_ClusterOn: 'CLUSTER ON',
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_ReplicaIdentity: 'REPLICA IDENTITY',
  AT_ValidateConstraint: 'VALIDATE CONSTRAINT',
};

export interface AlterTableVerdict {
  refused?: Refusal;
  /** ALTER COLUMN ... TYPE: the column must be a VARCHAR, which only the catalog can tell. */
  check?: CatalogCheck;
}

export function findAlterTableBeyondRedshift(parsed: ParsedSql): AlterTableVerdict {
  if (!HINT.test(parsed.text)) return {};
  for (const s of parsed.statements ?? []) {
    const alter = s.stmt.AlterTableStmt as TreeNode | undefined;
    if (!alter || alter.objtype !== 'OBJECT_TABLE') continue;
    const cmds: TreeNode[] = (alter.cmds ?? []).map((c: TreeNode) => c.AlterTableCmd ?? {});
    if (cmds.length > 1) {
      return {
        refused: {
          code: '42601',
          message: 'syntax error at or near "," (the Redshift stand-in rejected this statement: an Amazon Redshift ALTER TABLE takes one action)',
        },
      };
    }
    const cmd = cmds[0];
    if (!cmd) continue;
    const refused = actionBeyondRedshift(cmd);
    if (refused) return { refused };
    if (cmd.subtype === 'AT_AlterColumnType') return { check: varcharColumn(alter.relation, String(cmd.name), newLength(cmd)!) };
  }
  return {};
}

function actionBeyondRedshift(cmd: TreeNode): Refusal | undefined {
  const subtype = String(cmd.subtype);
  if (subtype === 'AT_ColumnDefault') {
    return { code: '0A000', message: 'ALTER COLUMN SET/DROP DEFAULT is not supported (the Redshift stand-in rejected this statement)' };
  }
  if (!ALLOWED_ACTIONS.has(subtype)) return notSupported(`ALTER TABLE ... ${ACTION_NAMES[subtype] ?? subtype.replace(/^AT_/, '')}`);
  if (subtype === 'AT_AddConstraint') {
    const contype = cmd.def?.Constraint?.contype;
    return REDSHIFT_CONSTRAINTS.has(contype) ? undefined : notSupported(`ALTER TABLE ... ADD ${String(contype).replace(/^CONSTR_/, '')} constraint`);
  }
  if (subtype !== 'AT_AlterColumnType') return undefined;
  const def = cmd.def?.ColumnDef ?? {};
  if (def.raw_default) {
    return { code: '0A000', message: 'ALTER TABLE ALTER COLUMN does not support USING expression (the Redshift stand-in rejected this statement)' };
  }
  if (def.collClause) return notSupported('ALTER TABLE ... ALTER COLUMN ... TYPE ... COLLATE');
  if (newLength(cmd) === undefined) {
    const type = lastName(def.typeName?.names);
    return notSupported(`ALTER TABLE ... ALTER COLUMN ... TYPE ${type} (Redshift only changes the size of a VARCHAR column)`);
  }
  return undefined;
}

/** The new size when ALTER COLUMN ... TYPE names VARCHAR(n) (VARCHAR(MAX) and NVARCHAR are rewritten to it). */
function newLength(cmd: TreeNode): number | undefined {
  const t = cmd.def?.ColumnDef?.typeName ?? {};
  const mods: TreeNode[] = t.typmods ?? [];
  const n = mods[0]?.A_Const?.ival?.ival;
  if (lastName(t.names) !== 'varchar' || mods.length !== 1 || typeof n !== 'number' || (t.arrayBounds ?? []).length > 0) return undefined;
  return n;
}

function varcharColumn(table: { schemaname?: string; relname: string }, column: string, length: number): CatalogCheck {
  return {
    async run(session) {
      const rows = await catalogRows(
        session,
        `SELECT format_type(a.atttypid, a.atttypmod), t.typname::text, (a.atttypmod - 4)::text, a.atthasdef::text,
           EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = a.attrelid AND a.attnum = ANY (c.conkey)
                   AND c.contype IN ('u', 'p', 'f'))::text
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = to_regclass(${literal(regclassText(table))}) AND a.attname = ${literal(column)}
           AND a.attnum > 0 AND NOT a.attisdropped`,
      );
      const row = rows?.[0];
      // No such table or column: PostgreSQL says so itself.
      if (!row) return undefined;
      const [type, typname, oldLength, hasDefault, constrained] = row;
      const where = `${relationName(table)}.${column}`;
      if (typname !== 'varchar') {
        return notSupported(`ALTER TABLE ... ALTER COLUMN ... TYPE on the ${type} column ${where} (Redshift only changes the size of a VARCHAR column)`);
      }
      if (constrained === 'true') {
        return notSupported(`ALTER TABLE ... ALTER COLUMN ... TYPE on ${where}, which has a UNIQUE, PRIMARY KEY or FOREIGN KEY constraint`);
      }
      if (hasDefault === 'true' && length < Number(oldLength)) {
        return { code: '0A000', message: 'cannot decrease a VARCHAR column size with default value (the Redshift stand-in rejected this statement)' };
      }
      return undefined;
    },
  };
}
