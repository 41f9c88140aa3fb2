// Column declarations for the Redshift tables. A table's columns are declared once (tables.ts) and
// everything else is derived: the DDL, the JSON keys staged for COPY, the byte-length cuts, and
// the TypeScript type of a row.

export type ColumnKind = 'int8' | 'int4' | 'boolean' | 'timestamp' | 'date' | 'varchar' | 'decimal';

export interface ColumnDef<K extends ColumnKind = ColumnKind, N extends boolean = boolean> {
  readonly kind: K;
  readonly notNull: N;
  /** VARCHAR length in BYTES (Redshift counts bytes, not characters). */
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
}

/** The JavaScript value a column holds in a transformed row. */
export type ValueOf<K extends ColumnKind> = K extends 'int8' | 'int4' | 'decimal'
  ? number
  : K extends 'boolean'
    ? boolean
    : string; // varchar; timestamp as 'YYYY-MM-DD HH:MM:SS.mmm' (UTC); date as 'YYYY-MM-DD'

export type Columns = Readonly<Record<string, ColumnDef>>;

/** The row type of a table, derived from its column declarations. */
export type RowOf<C extends Columns> = {
  [K in keyof C]: C[K] extends ColumnDef<infer Kind, infer N> ? (N extends true ? ValueOf<Kind> : ValueOf<Kind> | null) : never;
};

interface Nullable<K extends ColumnKind> extends ColumnDef<K, false> {
  /** The same column, NOT NULL. */
  readonly nn: ColumnDef<K, true>;
}

function col<K extends ColumnKind>(kind: K, extra: Partial<Pick<ColumnDef, 'length' | 'precision' | 'scale'>> = {}): Nullable<K> {
  const base = { kind, ...extra };
  return { ...base, notNull: false, nn: { ...base, notNull: true } };
}

export const int8 = (): Nullable<'int8'> => col('int8');
export const int4 = (): Nullable<'int4'> => col('int4');
export const bool = (): Nullable<'boolean'> => col('boolean');
export const timestamp = (): Nullable<'timestamp'> => col('timestamp');
export const date = (): Nullable<'date'> => col('date');
export const varchar = (length: number): Nullable<'varchar'> => col('varchar', { length });
export const decimal = (precision = 18, scale = 2): Nullable<'decimal'> => col('decimal', { precision, scale });

/** Redshift type name of a column, as it appears in DDL. */
export function sqlType(c: ColumnDef): string {
  switch (c.kind) {
    case 'int8':
      return 'INT8';
    case 'int4':
      return 'INT4';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'varchar':
      return `VARCHAR(${c.length})`;
    case 'decimal':
      return `DECIMAL(${c.precision},${c.scale})`;
  }
}
