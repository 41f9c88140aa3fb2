// PostgreSQL definitions of the Redshift date functions PostgreSQL lacks or defines differently,
// created in the stand-in's `rsetl_standin` schema (with the load log, load-log-schema.ts). Client
// calls are pointed at them by redshift-functions.ts. Semantics follow AWS's documentation:
//   DATEDIFF(part, a, b)  counts the part's boundaries crossed from a to b, not elapsed time:
//                         datediff(day, '2024-01-01 23:59', '2024-01-02 00:01') = 1. BIGINT.
//                         Weeks start on Monday (as Redshift's DATE_TRUNC('week')).
//   DATEADD(part, n, ts)  TIMESTAMP (also for a DATE); months keep the day, clamped to the
//                         month's end (Apr 30 + 1 month = May 30, Jan 31 + 1 month = Feb 29).
//   TRUNC(ts)             the DATE of a timestamp; numbers as usual.
// TIMESTAMPTZ arguments are read in the session's time zone (UTC in rsetl's sessions). Untyped
// literals are TIMESTAMPs, as on Redshift: the `text` overloads win PostgreSQL's resolution for them.
// Date parts accept Redshift's names and abbreviations ("Date parts for date or timestamp
// functions"). Replacing these functions keeps their signatures: views created through the
// stand-in depend on them.
import { STANDIN_SCHEMA as S } from './system-objects-rewrite.js';

const PARTS: Record<string, string[]> = {
  millennium: ['millennium', 'millennia', 'mil', 'mils'],
  century: ['century', 'centuries', 'c', 'cent', 'cents'],
  decade: ['decade', 'decades', 'dec', 'decs'],
  year: ['year', 'years', 'y', 'yr', 'yrs'],
  quarter: ['quarter', 'quarters', 'qtr', 'qtrs'],
  month: ['month', 'months', 'mon', 'mons'],
  week: ['week', 'weeks', 'w'],
  day: ['day', 'days', 'd'],
  hour: ['hour', 'hours', 'h', 'hr', 'hrs'],
  minute: ['minute', 'minutes', 'm', 'min', 'mins'],
  second: ['second', 'seconds', 's', 'sec', 'secs'],
  millisecond: ['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'msecond', 'mseconds', 'millisec', 'millisecs', 'millisecon'],
  microsecond: ['microsecond', 'microseconds', 'microsec', 'microsecs', 'usecond', 'useconds', 'us', 'usec', 'usecs'],
};

const partCases = Object.entries(PARTS)
  .map(([unit, names]) => `    WHEN lower(btrim(p)) IN (${names.map((n) => `'${n}'`).join(', ')}) THEN '${unit}'`)
  .join('\n');

/** Units whose boundaries are a fixed number of microseconds apart (epoch arithmetic is exact). */
const FIXED = `
      WHEN 'hour' THEN (extract(epoch FROM date_trunc('hour', b)) - extract(epoch FROM date_trunc('hour', a))) / 3600
      WHEN 'minute' THEN (extract(epoch FROM date_trunc('minute', b)) - extract(epoch FROM date_trunc('minute', a))) / 60
      WHEN 'second' THEN extract(epoch FROM date_trunc('second', b)) - extract(epoch FROM date_trunc('second', a))
      WHEN 'millisecond' THEN (extract(epoch FROM date_trunc('milliseconds', b)) - extract(epoch FROM date_trunc('milliseconds', a))) * 1000
      WHEN 'microsecond' THEN (extract(epoch FROM b) - extract(epoch FROM a)) * 1000000`;

export const REDSHIFT_FUNCTIONS_SQL = `
CREATE OR REPLACE FUNCTION ${S}.datepart_unit(p text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $f$
DECLARE u text := CASE
${partCases}
  END;
BEGIN
  IF u IS NULL AND p IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s is not a valid date part', p);
  END IF;
  RETURN u;
END $f$;

CREATE OR REPLACE FUNCTION ${S}.datediff(p text, a timestamp, b timestamp) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT (CASE ${S}.datepart_unit(p)
      WHEN 'millennium' THEN extract(millennium FROM b) - extract(millennium FROM a)
      WHEN 'century' THEN extract(century FROM b) - extract(century FROM a)
      WHEN 'decade' THEN extract(decade FROM b) - extract(decade FROM a)
      WHEN 'year' THEN extract(year FROM b) - extract(year FROM a)
      WHEN 'quarter' THEN (extract(year FROM b) * 4 + extract(quarter FROM b)) - (extract(year FROM a) * 4 + extract(quarter FROM a))
      WHEN 'month' THEN (extract(year FROM b) * 12 + extract(month FROM b)) - (extract(year FROM a) * 12 + extract(month FROM a))
      WHEN 'week' THEN (date_trunc('week', b)::date - date_trunc('week', a)::date) / 7
      WHEN 'day' THEN b::date - a::date${FIXED}
    END)::bigint $f$;
CREATE OR REPLACE FUNCTION ${S}.datediff(p text, a date, b date) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT ${S}.datediff(p, a::timestamp, b::timestamp) $f$;
CREATE OR REPLACE FUNCTION ${S}.datediff(p text, a timestamptz, b timestamptz) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT ${S}.datediff(p, a::timestamp, b::timestamp) $f$;
CREATE OR REPLACE FUNCTION ${S}.datediff(p text, a text, b text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT ${S}.datediff(p, a::timestamp, b::timestamp) $f$;

CREATE OR REPLACE FUNCTION ${S}.dateadd(p text, n bigint, t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT t + n * CASE ${S}.datepart_unit(p)
      WHEN 'millennium' THEN interval '1000 years'
      WHEN 'century' THEN interval '100 years'
      WHEN 'decade' THEN interval '10 years'
      WHEN 'year' THEN interval '1 year'
      WHEN 'quarter' THEN interval '3 months'
      WHEN 'month' THEN interval '1 month'
      WHEN 'week' THEN interval '7 days'
      WHEN 'day' THEN interval '1 day'
      WHEN 'hour' THEN interval '1 hour'
      WHEN 'minute' THEN interval '1 minute'
      WHEN 'second' THEN interval '1 second'
      WHEN 'millisecond' THEN interval '1 millisecond'
      WHEN 'microsecond' THEN interval '1 microsecond'
    END $f$;
CREATE OR REPLACE FUNCTION ${S}.dateadd(p text, n bigint, t date) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT ${S}.dateadd(p, n, t::timestamp) $f$;
CREATE OR REPLACE FUNCTION ${S}.dateadd(p text, n bigint, t timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT ${S}.dateadd(p, n, t::timestamp)::timestamptz $f$;
CREATE OR REPLACE FUNCTION ${S}.dateadd(p text, n bigint, t text) RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT ${S}.dateadd(p, n, t::timestamp) $f$;

CREATE OR REPLACE FUNCTION ${S}.trunc(t timestamp) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT t::date $f$;
CREATE OR REPLACE FUNCTION ${S}.trunc(t timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $f$ SELECT t::date $f$;
CREATE OR REPLACE FUNCTION ${S}.trunc(t date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT t $f$;
CREATE OR REPLACE FUNCTION ${S}.trunc(x numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT pg_catalog.trunc(x) $f$;
CREATE OR REPLACE FUNCTION ${S}.trunc(x numeric, places integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT pg_catalog.trunc(x, places) $f$;
CREATE OR REPLACE FUNCTION ${S}.trunc(x double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT pg_catalog.trunc(x) $f$;
`;
