// Reads Redshift's `COPY <table> [(cols)] FROM 's3://...' <options>` into a plain object.
// Options the stand-in cannot emulate faithfully are accepted and listed in `notHonoured` (kept
// in the stand-in's load history); formats it cannot load at all fail clearly; a word Redshift
// does not know is a syntax error, as on Redshift.
import { identifierValue, isSignificant, splitStatements, stringValue, tokenize, type Token } from '../../sql/tokens.js';

export interface CopyFromS3 {
  /** The table as written in the statement (quotes kept), usable in SQL text. */
  tableSql: string;
  /** Column names (identifier values) of the column list, when one was given. */
  columns?: string[];
  source: string;
  /** The IAM role named by IAM_ROLE or CREDENTIALS 'aws_iam_role=...'; undefined for access keys. */
  iamRole?: string;
  manifest: boolean;
  gzip: boolean;
  ignoreCase: boolean;
  emptyAsNull: boolean;
  blanksAsNull: boolean;
  notHonoured: string[];
}

export type CopyParse = { ok: true; command: CopyFromS3 } | { ok: false; code: string; message: string };

const QUICK = /\bcopy\b[\s\S]*\bfrom\s+'s3:\/\//i;

/**
 * Whether a simple-query text holds a COPY from S3: `single` when it is the only statement (the
 * stand-in runs it), `mixed` when it shares the message with other statements (refused).
 */
export function findCopyFromS3(text: string, backslashEscapes: boolean): { kind: 'none' } | { kind: 'mixed' } | { kind: 'single'; tokens: Token[] } {
  if (!QUICK.test(text)) return { kind: 'none' };
  const statements = splitStatements(tokenize(text, { backslashEscapes })).map((s) => s.filter(isSignificant));
  const copies = statements.filter(isCopyFromS3);
  if (copies.length === 0) return { kind: 'none' };
  if (statements.length > 1) return { kind: 'mixed' };
  return { kind: 'single', tokens: copies[0]! };
}

function isCopyFromS3(sig: Token[]): boolean {
  if (sig[0]?.kind !== 'word' || sig[0].text.toUpperCase() !== 'COPY') return false;
  const from = sig.findIndex((t) => t.kind === 'word' && t.text.toUpperCase() === 'FROM');
  const src = sig[from + 1];
  return from > 0 && src?.kind === 'string' && stringValue(src).startsWith('s3://');
}

/** Options Redshift has but the stand-in does not emulate: refused with a clear message. */
const UNEMULATED = new Set(
  ('CSV DELIMITER FIXEDWIDTH AVRO PARQUET ORC SHAPEFILE BZIP2 LZOP ZSTD NULL IGNOREHEADER REMOVEQUOTES ESCAPE ' +
    'FILLRECORD IGNOREBLANKLINES TRIMBLANKS EXPLICIT_IDS ENCRYPTED MASTER_SYMMETRIC_KEY READRATIO NOLOAD ' +
    'SERIALIZETOJSON ENCODING SSH QUOTE IGNOREALLERRORS').split(' '),
);

/** Parses the significant tokens of one COPY statement. */
export function parseCopyFromS3(sig: Token[]): CopyParse {
  let k = 1;
  const word = (i = k) => (sig[i]?.kind === 'word' ? sig[i]!.text.toUpperCase() : undefined);
  const punct = (p: string, i = k) => sig[i]?.kind === 'punct' && sig[i]!.text === p;
  const syntaxError = (i = k): CopyParse => ({
    ok: false,
    code: '42601',
    message: sig[i] ? `syntax error at or near "${sig[i]!.text}"` : 'syntax error at end of input',
  });

  let tableSql = '';
  for (;;) {
    const t = sig[k];
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted-ident')) return syntaxError();
    tableSql += t.text;
    k++;
    if (!punct('.')) break;
    tableSql += '.';
    k++;
  }
  let columns: string[] | undefined;
  if (punct('(')) {
    columns = [];
    k++;
    for (;;) {
      const t = sig[k];
      if (!t || (t.kind !== 'word' && t.kind !== 'quoted-ident')) return syntaxError();
      columns.push(identifierValue(t));
      k++;
      if (punct(')')) break;
      if (!punct(',')) return syntaxError();
      k++;
    }
    k++;
  }
  if (word() !== 'FROM') return syntaxError();
  const source = stringValue(sig[++k]!);
  k++;
  if (word() === 'WITH') k++;

  const cmd: CopyFromS3 = {
    tableSql, columns, source, manifest: false, gzip: false, ignoreCase: false,
    emptyAsNull: false, blanksAsNull: false, notHonoured: [],
  };
  let credentials = false;
  let json = false;
  /** The string argument of an option, after an optional AS. */
  const arg = (): string | undefined => {
    if (word() === 'AS') k++;
    const t = sig[k];
    if (t?.kind !== 'string') return undefined;
    k++;
    return stringValue(t);
  };
  while (k < sig.length) {
    const opt = word();
    const at = k;
    if (opt === undefined) return syntaxError();
    k++;
    if (opt === 'IAM_ROLE') {
      if (word() === 'DEFAULT') {
        k++;
        cmd.iamRole = 'default';
      } else if ((cmd.iamRole = arg()) === undefined) return syntaxError();
      credentials = true;
    } else if (opt === 'CREDENTIALS') {
      const value = arg();
      if (value === undefined) return syntaxError();
      credentials = true;
      const role = /(?:^|;)\s*aws_iam_role\s*=\s*([^;]+)/i.exec(value);
      if (role) cmd.iamRole = role[1]!.trim();
    } else if (opt === 'ACCESS_KEY_ID' || opt === 'SECRET_ACCESS_KEY' || opt === 'SESSION_TOKEN') {
      if (arg() === undefined) return syntaxError();
      credentials = true;
    } else if (opt === 'MANIFEST') cmd.manifest = true;
    else if (opt === 'GZIP') cmd.gzip = true;
    else if (opt === 'FORMAT' || opt === 'JSON') {
      if (opt === 'FORMAT') {
        if (word() === 'AS') k++;
        const format = word();
        if (format !== 'JSON') return unemulated(format ?? sig[k]?.text ?? 'FORMAT');
        k++;
      }
      const mode = arg();
      if (mode === undefined) return syntaxError();
      if (mode.toLowerCase() === 'auto ignorecase') cmd.ignoreCase = true;
      else if (mode.toLowerCase() !== 'auto') return unemulated(`JSON '${mode}' (only 'auto' and 'auto ignorecase' are emulated)`);
      json = true;
    } else if (opt === 'TIMEFORMAT' || opt === 'DATEFORMAT') {
      const value = arg();
      if (value === undefined) return syntaxError();
      if (value.toLowerCase() !== 'auto') cmd.notHonoured.push(`${opt} '${value}' (PostgreSQL's input rules are used)`);
    } else if (opt === 'REGION') {
      if (arg() === undefined) return syntaxError();
    } else if (opt === 'MAXERROR') {
      if (word() === 'AS') k++;
      if (sig[k]?.kind !== 'number') return syntaxError();
      const n = Number(sig[k++]!.text);
      if (n > 0) cmd.notHonoured.push(`MAXERROR ${n} (any bad record fails the load)`);
    } else if (opt === 'COMPUPDATE' || opt === 'STATUPDATE') {
      if (['ON', 'OFF', 'TRUE', 'FALSE', 'PRESET'].includes(word() ?? '')) k++;
    } else if (opt === 'TRUNCATECOLUMNS') cmd.notHonoured.push('TRUNCATECOLUMNS (long values fail the load)');
    else if (opt === 'ACCEPTINVCHARS') {
      if (word() === 'AS' || sig[k]?.kind === 'string') arg();
      cmd.notHonoured.push('ACCEPTINVCHARS (invalid UTF-8 fails the load)');
    } else if (opt === 'ROUNDEC') {
      // PostgreSQL rounds decimals on input, which is what ROUNDEC asks for.
    } else if (opt === 'EMPTYASNULL') cmd.emptyAsNull = true;
    else if (opt === 'BLANKSASNULL') cmd.blanksAsNull = true;
    else if (UNEMULATED.has(opt)) return unemulated(opt);
    else return syntaxError(at);
  }
  if (!credentials) {
    return {
      ok: false,
      code: 'XX000',
      message:
        "Invalid credentials. Must be of the format: credentials 'aws_iam_role=...' or " +
        "'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'",
    };
  }
  if (!json) return unemulated('a COPY without FORMAT AS JSON (only JSON is emulated)');
  return { ok: true, command: cmd };
}

function unemulated(what: string): CopyParse {
  return { ok: false, code: '0A000', message: `COPY option ${what} is not emulated by the Redshift stand-in` };
}
