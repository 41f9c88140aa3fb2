// A result set as GetStatementResult returns it: each value one member of the Field union, as
// the Management Guide's mapping has it (integers longValue; float4/float8 doubleValue; DECIMAL,
// dates, times and other types stringValue in the server's text; booleans booleanValue;
// VARBYTE/bytea blobValue; NULL isNull), and ColumnMetadata with Redshift's type names and the
// column's table, schema and nullability when it comes from a table.
import type pg from 'pg';
import type { DataConnection, RawResult } from './data-api-connection.js';

export type Field =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: number }
  | { doubleValue: number }
  | { stringValue: string }
  | { blobValue: string };

export interface ColumnMetadata {
  name: string;
  label: string;
  typeName: string;
  nullable: number;
  precision: number;
  scale: number;
  length: number;
  schemaName: string;
  tableName: string;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  isSigned: boolean;
}

export interface StoredResult {
  columns: ColumnMetadata[];
  records: Field[][];
  /** Serialized size of each record, for paging by size. */
  sizes: number[];
  totalSize: number;
}

/**
 * Redshift's names for the types the backend reports (PostgreSQL's TEXT and unknown literals are
 * VARCHAR on Redshift, bytea is its VARBYTE), and the precision a Redshift driver reports for the
 * fixed-size ones.
 */
const TYPES: Record<number, { name: string; precision?: number; signed?: boolean }> = {
  16: { name: 'bool', precision: 1 },
  17: { name: 'varbyte' },
  18: { name: 'char', precision: 1 },
  19: { name: 'name', precision: 64 },
  20: { name: 'int8', precision: 19, signed: true },
  21: { name: 'int2', precision: 5, signed: true },
  23: { name: 'int4', precision: 10, signed: true },
  25: { name: 'varchar' },
  26: { name: 'oid', precision: 10 },
  700: { name: 'float4', precision: 8, signed: true },
  701: { name: 'float8', precision: 17, signed: true },
  705: { name: 'varchar' },
  1042: { name: 'bpchar' },
  1043: { name: 'varchar' },
  1082: { name: 'date', precision: 13 },
  1083: { name: 'time', precision: 15 },
  1114: { name: 'timestamp', precision: 29 },
  1184: { name: 'timestamptz', precision: 35 },
  1266: { name: 'timetz', precision: 21 },
  1700: { name: 'numeric', signed: true },
};

const LONG = new Set([20, 21, 23, 26]);
const DOUBLE = new Set([700, 701]);
const CHARACTER = new Set([18, 19, 25, 705, 1042, 1043]);

function field(oid: number, raw: string | null): Field {
  if (raw === null) return { isNull: true };
  if (oid === 16) return { booleanValue: raw === 't' || raw === 'true' };
  if (LONG.has(oid)) return { longValue: Number(raw) };
  if (DOUBLE.has(oid)) {
    const n = Number(raw);
    // JSON has no NaN or Infinity: those stay text.
    return Number.isFinite(n) ? { doubleValue: n } : { stringValue: raw };
  }
  if (oid === 17) return { blobValue: raw.startsWith('\\x') ? Buffer.from(raw.slice(2), 'hex').toString('base64') : Buffer.from(raw).toString('base64') };
  return { stringValue: raw };
}

interface ColumnSource {
  schemaName: string;
  tableName: string;
  notNull: boolean;
}

/** Table, schema and NOT NULL of the columns that come straight from a table, and names of unusual types. */
async function lookUp(conn: DataConnection, fields: pg.FieldDef[]): Promise<{ sources: Map<string, ColumnSource>; typeNames: Map<number, string> }> {
  const cache = conn.metadataCache as Map<string, ColumnSource | string>;
  const key = (f: pg.FieldDef) => `col:${f.tableID}:${f.columnID}`;
  const missingCols = fields.filter((f) => f.tableID > 0 && f.columnID > 0 && !cache.has(key(f)));
  const missingTypes = [...new Set(fields.map((f) => f.dataTypeID))].filter((oid) => !TYPES[oid] && !cache.has(`type:${oid}`));
  if (missingCols.length) {
    const pairs = missingCols.map((f) => `(${Number(f.tableID)}, ${Number(f.columnID)})`).join(', ');
    const r = await conn.query(
      `SELECT a.attrelid, a.attnum, n.nspname, c.relname, a.attnotnull FROM pg_catalog.pg_attribute a ` +
        `JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ` +
        `WHERE (a.attrelid::int8, a.attnum::int8) IN (${pairs})`,
    );
    for (const [rel, num, schemaName, tableName, notNull] of r.rows) {
      cache.set(`col:${rel}:${num}`, { schemaName: schemaName ?? '', tableName: tableName ?? '', notNull: notNull === 't' });
    }
  }
  if (missingTypes.length) {
    const r = await conn.query(`SELECT oid, typname FROM pg_catalog.pg_type WHERE oid IN (${missingTypes.map(Number).join(', ')})`);
    for (const [oid, name] of r.rows) cache.set(`type:${oid}`, name ?? 'unknown');
  }
  const sources = new Map<string, ColumnSource>();
  for (const f of fields) {
    const s = cache.get(key(f));
    if (s && typeof s === 'object') sources.set(key(f), s);
  }
  const typeNames = new Map<number, string>();
  for (const f of fields) typeNames.set(f.dataTypeID, TYPES[f.dataTypeID]?.name ?? (cache.get(`type:${f.dataTypeID}`) as string | undefined) ?? 'unknown');
  return { sources, typeNames };
}

function column(f: pg.FieldDef, typeName: string, source: ColumnSource | undefined): ColumnMetadata {
  const known = TYPES[f.dataTypeID];
  const mod = f.dataTypeModifier;
  let precision = known?.precision ?? 0;
  let scale = 0;
  let length = 0;
  if (f.dataTypeID === 1700 && mod >= 4) {
    precision = ((mod - 4) >> 16) & 0xffff;
    scale = (mod - 4) & 0xffff;
  } else if ((f.dataTypeID === 1043 || f.dataTypeID === 1042) && mod >= 4) {
    // For a character column the model's precision is its length.
    precision = length = mod - 4;
  }
  return {
    name: f.name,
    label: f.name,
    typeName,
    // JDBC's columnNoNulls (0) and columnNullable (1); an expression may be NULL.
    nullable: source?.notNull ? 0 : 1,
    precision,
    scale,
    length,
    schemaName: source?.schemaName ?? '',
    tableName: source?.tableName ?? '',
    isCaseSensitive: CHARACTER.has(f.dataTypeID),
    isCurrency: false,
    isSigned: known?.signed ?? false,
  };
}

export async function storeResult(conn: DataConnection, r: RawResult): Promise<StoredResult> {
  const { sources, typeNames } = await lookUp(conn, r.fields);
  const columns = r.fields.map((f) => column(f, typeNames.get(f.dataTypeID)!, sources.get(`col:${f.tableID}:${f.columnID}`)));
  const oids = r.fields.map((f) => f.dataTypeID);
  const records = r.rows.map((row) => row.map((raw, i) => field(oids[i]!, raw)));
  const sizes = records.map((rec) => Buffer.byteLength(JSON.stringify(rec)));
  return { columns, records, sizes, totalSize: sizes.reduce((a, b) => a + b, 0) };
}

/** Where the page starting at `offset` ends: at most `maxRows` rows and `maxBytes` bytes, one row at least. */
export function pageEnd(result: StoredResult, offset: number, maxRows: number, maxBytes: number): number {
  let end = offset;
  let bytes = 0;
  while (end < result.records.length && end - offset < maxRows) {
    const size = result.sizes[end]!;
    if (end > offset && bytes + size > maxBytes) break;
    bytes += size;
    end++;
  }
  return end;
}
