// PostgreSQL's reason for refusing a value, translated into Redshift's load error code and
// wording (AWS "Load error reference": 1204 out of range, 1205 date, 1206 timestamp, 1207 digit,
// 1208 float, 1209 decimal, 1210 boolean, 1213 NOT NULL, 1220 UTF-8, 1222 integer overflow,
// 1224 malformed JSON, 1200 anything else).
import type { TargetColumn } from './copy-target.js';

export interface RedshiftLoadError {
  code: number;
  reason: string;
}

export const STRING_TOO_LONG: RedshiftLoadError = { code: 1204, reason: 'String length exceeds DDL length' };
export const MISSING_NOT_NULL: RedshiftLoadError = { code: 1213, reason: 'Missing data for not-null field' };

export function malformedJson(detail: string): RedshiftLoadError {
  return { code: 1224, reason: `Invalid JSON object: ${detail}`.slice(0, 100) };
}

const INTEGER_NAMES: Record<string, string> = { int2: 'Short', int4: 'Integer', int8: 'Long' };

export function loadErrorFor(pg: { code?: string; message: string }, column: TargetColumn, raw: string): RedshiftLoadError {
  const value = raw.slice(0, 40);
  const t = column.typname;
  if (pg.code === '22001') return STRING_TOO_LONG;
  if (pg.code === '23502') return MISSING_NOT_NULL;
  if (t === 'date') return { code: 1205, reason: `Invalid Date Format - length must be 10 or more` };
  if (t === 'timestamp' || t === 'timestamptz') {
    return { code: 1206, reason: 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]' };
  }
  if (INTEGER_NAMES[t]) {
    if (pg.code === '22003') return { code: 1222, reason: `Overflow, Value '${value}', Type: ${INTEGER_NAMES[t]}` };
    const pos = Math.max(0, [...raw].findIndex((ch) => !/[0-9+-]/.test(ch)));
    return { code: 1207, reason: `Invalid digit, Value '${raw[pos] ?? ''}', Pos ${pos}, Type: ${INTEGER_NAMES[t]}` };
  }
  if (t === 'float4' || t === 'float8') return { code: 1208, reason: `Invalid float value '${value}'` };
  if (t === 'numeric') {
    return pg.code === '22003'
      ? { code: 1204, reason: `Numeric data overflow (result precision)` }
      : { code: 1209, reason: `Invalid decimal value '${value}'` };
  }
  if (t === 'bool') return { code: 1210, reason: `Invalid boolean value '${value}'` };
  return { code: 1200, reason: `Unknown parse error: ${pg.message}`.slice(0, 100) };
}
