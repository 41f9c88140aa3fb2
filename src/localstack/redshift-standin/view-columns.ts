// CREATE OR REPLACE VIEW that changes the view's columns. Amazon Redshift Database Developer
// Guide, "CREATE VIEW": "You can only replace a view with a new query that generates the
// identical set of columns, using the same column names and data types." PostgreSQL refuses
// renamed, retyped, reordered and dropped columns itself, in the words Redshift inherited from it
// ("cannot change name of view column ...", "cannot change data type of view column ..."), but
// lets a replacement add columns at the end, which Redshift refuses with
// `cannot change number of columns in view` (SQLSTATE 42P16, invalid_table_definition: the
// message and code clusters answer with; the Guide quotes none). Redshift checks the number
// first, so a view that loses columns gets that message too, not PostgreSQL's "cannot drop columns
// from view".
//
// Whether the columns change depends on the view that exists now, so the rule is a catalog check:
// on the client's session the view is dropped and the statement run as a fresh CREATE, then both
// are undone (catalog-checks.ts); the numbers of columns before and after are compared. A same
// number goes on to PostgreSQL, whose own checks then refuse other changes.
import { probeAndUndo, type CatalogCheck } from './catalog-checks.js';
import { literal } from './sql-literal.js';
import { regclassText, type ParsedSql } from './sql-tree.js';

const HINT = /\breplace\s+(?:(?:temp|temporary|recursive)\s+)*view\b/i;

export const VIEW_COLUMN_COUNT = { code: '42P16', message: 'cannot change number of columns in view' };

/**
 * The check for a CREATE OR REPLACE VIEW, when the text is that one statement. (In a text of
 * several statements, earlier ones may create or drop the view first; those run unchecked.)
 */
export function findViewReplacement(parsed: ParsedSql, sql: string): CatalogCheck | undefined {
  if (!HINT.test(parsed.text)) return undefined;
  const statements = parsed.statements;
  if (statements?.length !== 1) return undefined;
  const view = statements[0]!.stmt.ViewStmt;
  if (!view?.replace || !view.view?.relname) return undefined;
  const name = regclassText(view.view);
  const columns = columnsQuery(name);
  return {
    async run(session) {
      // Line breaks end a trailing `--` comment of the client's text; empty statements are no-ops.
      const sets = await probeAndUndo(session, `${columns};\nDROP VIEW IF EXISTS ${name} CASCADE;\n${sql}\n;\n${columns}`);
      if (!sets) return undefined;
      const [before, after] = sets;
      // No view of that name before: nothing is replaced.
      if (!before || before.length === 0 || !after) return undefined;
      return before.length !== after.length ? VIEW_COLUMN_COUNT : undefined;
    },
  };
}

function columnsQuery(view: string): string {
  return `SELECT a.attname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.oid = to_regclass(${literal(view)}) AND c.relkind = 'v' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;
}
