// Redshift's MERGE is a small subset of PostgreSQL's (15+). Amazon Redshift Database Developer
// Guide, "MERGE":
//   MERGE INTO target_table USING source_table [ [ AS ] alias ] ON match_condition
//   [ WHEN MATCHED THEN { UPDATE SET col_name = { expr } [,...] | DELETE }
//     WHEN NOT MATCHED THEN INSERT [ ( col_name [,...] ) ] VALUES ( { expr } [, ...] )
//   | REMOVE DUPLICATES ]
// so: exactly one WHEN MATCHED clause followed by one WHEN NOT MATCHED clause, neither with an
// extra AND condition, no DO NOTHING, no BY SOURCE, an INSERT with VALUES; "source_table can't
// be a view or a subquery"; "You can't use the WITH clause in a MERGE statement"; "source_table
// and target_table can't be the same table". The Guide gives no error texts for these, so the
// stand-in names what it refused. (The REMOVE DUPLICATES form is not PostgreSQL syntax: the
// backend refuses it as a syntax error.)
import { catalogRows, type CatalogCheck } from './catalog-checks.js';
import { notSupported } from './postgres-only-lint.js';
import { isRangeVar, regclassText, relationName, type ParsedSql, type Refusal, type TreeNode } from './sql-tree.js';
import { literal } from './sql-literal.js';

const HINT = /\bmerge\b/i;

export interface MergeVerdict {
  refused?: Refusal;
  /** The source must also be a table, which only the catalog can tell. */
  check?: CatalogCheck;
}

export function findMergeOutsideSubset(parsed: ParsedSql): MergeVerdict {
  if (!HINT.test(parsed.text)) return {};
  const checks: CatalogCheck[] = [];
  for (const s of parsed.statements ?? []) {
    const merge = s.stmt.MergeStmt as TreeNode | undefined;
    if (!merge) continue;
    const refused = outsideSubset(merge);
    if (refused) return { refused };
    checks.push(sourceIsTable(merge.sourceRelation.RangeVar));
  }
  return checks.length > 0 ? { check: checks.length === 1 ? checks[0] : { run: async (s) => firstRefusal(checks, s) } } : {};
}

async function firstRefusal(checks: CatalogCheck[], session: Parameters<CatalogCheck['run']>[0]): Promise<Refusal | undefined> {
  for (const c of checks) {
    const r = await c.run(session);
    if (r) return r;
  }
  return undefined;
}

function outsideSubset(merge: TreeNode): Refusal | undefined {
  if (merge.withClause) return notSupported('MERGE with a WITH clause');
  const source = merge.sourceRelation ?? {};
  if (!isRangeVar(source.RangeVar)) {
    const what = source.RangeSubselect ? 'a subquery' : source.JoinExpr ? 'a join' : source.RangeFunction ? 'a function' : 'anything but a table';
    return notSupported(`MERGE with ${what} as its source (USING must name a table)`);
  }
  const target = merge.relation ?? {};
  const src = source.RangeVar;
  if (src.relname === target.relname && (src.schemaname ?? '') === (target.schemaname ?? '')) {
    return notSupported('MERGE from a table into itself');
  }
  const clauses: TreeNode[] = (merge.mergeWhenClauses ?? []).map((c: TreeNode) => c.MergeWhenClause ?? {});
  if (clauses.some((c) => c.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE')) return notSupported('MERGE ... WHEN NOT MATCHED BY SOURCE');
  if (clauses.some((c) => c.condition)) return notSupported('MERGE ... WHEN [NOT] MATCHED AND <condition>');
  if (clauses.some((c) => c.commandType === 'CMD_NOTHING')) return notSupported('MERGE ... THEN DO NOTHING');
  const [matched, notMatched] = clauses;
  if (clauses.length !== 2 || matched?.matchKind !== 'MERGE_WHEN_MATCHED' || notMatched?.matchKind !== 'MERGE_WHEN_NOT_MATCHED_BY_TARGET') {
    return notSupported('MERGE without exactly one WHEN MATCHED clause followed by one WHEN NOT MATCHED clause');
  }
  if (!Array.isArray(notMatched.values) || (notMatched.override && notMatched.override !== 'OVERRIDING_NOT_SET')) {
    return notSupported('MERGE ... WHEN NOT MATCHED THEN INSERT without VALUES (...)');
  }
  return undefined;
}

/** "source_table can't be a view": the catalog knows whether the name is a table. */
function sourceIsTable(source: { schemaname?: string; relname: string }): CatalogCheck {
  return {
    async run(session) {
      const rows = await catalogRows(session, `SELECT relkind::text FROM pg_class WHERE oid = to_regclass(${literal(regclassText(source))})`);
      const kind = rows?.[0]?.[0];
      if (kind === 'v' || kind === 'm') {
        return notSupported(`MERGE with the ${kind === 'v' ? 'view' : 'materialized view'} ${relationName(source)} as its source (USING must name a table)`);
      }
      return undefined;
    },
  };
}
