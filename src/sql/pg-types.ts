import pg from 'pg';

// rsetl's PostgreSQL and Redshift sessions read timestamps and bigints as text: a `timestamp`
// parsed into a JS Date would be shifted by the host's time zone, and int8 ids can exceed what a
// JS number holds exactly. Conversions happen explicitly where a value is used.
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DATE = 1082;

export const textTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMP || oid === DATE) return (v: string) => v;
    if (oid === TIMESTAMPTZ) return (v: string) => new Date(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;
