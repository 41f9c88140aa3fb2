// Records the shapes of the statements rsetl sends, for the test suite's statement snapshot
// (test/standin-statements.snapshot.sql): with RSETL_RECORD_STATEMENTS=<dir> set, every stand-in
// session whose application_name starts with `rsetl` (rsetl's own connections) writes the shape of
// each statement that the stand-in accepted and the backend ran without error to a file of its
// process in that directory (each shape once, shaped after the answer went out). Without the
// variable nothing is recorded and nothing is computed. A text of several statements is recorded
// as one shape per statement.
//
// A shape is the statement without what varies between runs and calls: literals (and NULL as a
// value) become parameters ($n, numbered in order of appearance) wherever PostgreSQL's parser
// takes one, else '?'; bus schemas, user names and names with random suffixes become "<schema>",
// "<user>" and "…<id>"; value lists whose items only differ in their parameters (IN, ARRAY[],
// VALUES, UNION ALL of one SELECT) keep one item, and the table lists of LOCK and DROP TABLE
// (which follow what a load holds) become "<table>"; COPY keeps its options but not its S3 key or
// IAM role; comments go and whitespace collapses to single spaces, so a shape is one line.
import { appendFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseSync } from 'libpg-query';
import { findCopyFromS3 } from './copy-command.js';
import { decodeParse, queryText } from './frames.js';
import { rewriteRedshiftSyntax } from './redshift-ddl.js';
import { identifierValue, isSignificant, joinTokens, splitStatements, stringValue, tokenize, type Token } from '../../sql/tokens.js';

/** The directory recording goes to; unset (or empty) disables recording. */
export const RECORD_STATEMENTS_ENV = 'RSETL_RECORD_STATEMENTS';

const SCHEMA = '"<schema>"';
const USER = '"<user>"';
const TABLE = '"<table>"';
const S3_SOURCE = "'s3://<bucket>/<key>'";
const IAM_ROLE = "'arn:aws:iam::<account>:role/<role>'";
/** A string literal where PostgreSQL's grammar takes no parameter (SET, INTERVAL '…', PASSWORD). */
const FIXED_STRING = "'?'";

const TOKENIZE = { backslashEscapes: true };

/** Schemas that belong to the database rather than to a bus: kept by name. */
function isSystemSchema(name: string): boolean {
  return name.startsWith('pg_') || name === 'public' || name === 'information_schema' || name === 'catalog_history';
}

/** Words whose parenthesised numbers are type modifiers (VARCHAR(256), NUMERIC(12, 2)), not values. */
const TYPE_WORDS = new Set([
  'varchar', 'char', 'character', 'varying', 'nvarchar', 'nchar', 'bpchar', 'numeric', 'decimal', 'dec', 'float', 'time',
  'timestamp', 'timestamptz', 'timetz', 'interval', 'bit', 'varbyte', 'varbinary', 'identity',
]);

// ------------------------------------------------------------------------------------------------
// The shape of one statement text.

/** The shape of a statement text (see the file's comment). Never throws: a failure keeps the text, one line. */
export function statementShape(text: string): string {
  try {
    const tokens = tokenize(text, TOKENIZE);
    if (findCopyFromS3(text, true).kind === 'single') return serialize(layout(copyShape(tokens)));
    return generalShape(tokens);
  } catch {
    return text.replace(/\s+/g, ' ').trim();
  }
}

/** A COPY from S3: its options as written, with the S3 source and the IAM role made generic. */
function copyShape(tokens: Token[]): Token[] {
  const schemas = qualifierNames(tokens);
  let previous = '';
  return tokens.map((t) => {
    let out = t;
    if (t.kind === 'string') {
      const value = stringValue(t);
      if (previous === 'FROM' && value.startsWith('s3://')) out = { kind: 'string', text: S3_SOURCE };
      else if (previous === 'IAM_ROLE') out = { kind: 'string', text: IAM_ROLE };
      else if (previous === 'CREDENTIALS') {
        out = { kind: 'string', text: value.includes('aws_iam_role=') ? `'aws_iam_role=${IAM_ROLE.slice(1, -1)}'` : FIXED_STRING };
      }
    } else out = renamed(t, schemas, new Set());
    if (isSignificant(t)) previous = t.kind === 'word' ? t.text.toUpperCase() : '';
    return out;
  });
}

function generalShape(tokens: Token[]): string {
  // Names are read from PostgreSQL's tree of the statement as the stand-in's backend sees it.
  const tree = standinTree(joinTokens(tokens.map(blankString)));
  const names = tree ? namesInTree(tree) : { schemas: qualifierNames(tokens), users: new Set<string>() };
  const renamedTokens = tokens.map((t) => renamed(t, names.schemas, names.users));
  const valued = withParameters(renamedTokens, tree !== undefined);
  return serialize(collapseRepeats(layout(valued)));
}

/** The tree PostgreSQL's parser makes of the text once the stand-in dropped Redshift-only syntax, or undefined. */
function standinTree(text: string): any {
  try {
    return parseSync(joinTokens(rewriteRedshiftSyntax(tokenize(text, TOKENIZE))));
  } catch {
    return undefined;
  }
}

/** String literals read with backslash escapes (as the stand-in's sessions do) become '' for the parser. */
function blankString(t: Token): Token {
  return t.kind === 'string' ? { kind: 'string', text: "''" } : t;
}

/**
 * Literals become parameters where the parser takes one: all at once when that parses, else one
 * by one; the others become a fixed literal (strings) or stay (numbers). Numbers that are type
 * modifiers stay; a PASSWORD's string is always the fixed literal.
 */
function withParameters(tokens: Token[], parses: boolean): Token[] {
  const candidates = literalCandidates(tokens);
  const maxParam = Math.max(0, ...tokens.filter((t) => t.kind === 'param').map((t) => Number(t.text.slice(1))));
  const fixed = (t: Token): Token => (t.kind === 'string' ? { kind: 'string', text: FIXED_STRING } : t);
  const variant = (asParam: (i: number) => boolean): Token[] => {
    const out = tokens.map(fixed);
    candidates.forEach((i, k) => {
      if (asParam(i)) out[i] = { kind: 'param', text: `$${maxParam + k + 1}` };
    });
    return out;
  };
  if (!parses) return variant(() => false);
  const all = variant(() => true);
  if (candidates.length === 0 || standinTree(joinTokens(all))) return all;
  const ok = new Set(candidates.filter((i) => standinTree(joinTokens(variant((j) => j === i))) !== undefined));
  const some = variant((i) => ok.has(i));
  return standinTree(joinTokens(some)) ? some : variant(() => false);
}

/**
 * Indexes of the string and number tokens, and of NULL, that are values: not type modifiers, not a
 * PASSWORD, not IS [NOT] NULL or NOT NULL (values inlined into a statement may be NULL or not).
 */
function literalCandidates(tokens: Token[]): number[] {
  const out: number[] = [];
  const typmod: boolean[] = [];
  let previous: Token | undefined;
  tokens.forEach((t, i) => {
    if (!isSignificant(t)) return;
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) {
      typmod.push(t.text === '(' && previous?.kind === 'word' && TYPE_WORDS.has(previous.text.toLowerCase()));
    } else if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) typmod.pop();
    else if (t.kind === 'number' && !typmod.at(-1)) out.push(i);
    else if (t.kind === 'string' && !(previous?.kind === 'word' && previous.text.toUpperCase() === 'PASSWORD')) out.push(i);
    else if (t.kind === 'word' && t.text.toUpperCase() === 'NULL' && !(previous?.kind === 'word' && /^(IS|NOT)$/i.test(previous.text))) out.push(i);
    previous = t;
  });
  return out;
}

/** Schemas, users and random suffixes of one identifier token made generic. */
function renamed(t: Token, schemas: Set<string>, users: Set<string>): Token {
  if (t.kind !== 'word' && t.kind !== 'quoted-ident') return t;
  const name = identifierValue(t);
  if (schemas.has(name)) return { kind: 'quoted-ident', text: SCHEMA };
  if (users.has(name)) return { kind: 'quoted-ident', text: USER };
  const generic = withoutRandomPart(name);
  return generic === name ? t : { kind: 'quoted-ident', text: `"${generic.replace(/"/g, '""')}"` };
}

/**
 * A run of 6+ hex digits with 2+ digits among them, or of 4+ digits, in a name: `<id>`; so is the
 * bus id in a COPY lane's stage table (`rsetl_stage_b<bus id>_<table>`, warehouse/load-lanes.ts).
 */
export function withoutRandomPart(name: string): string {
  return name
    .replace(/^rsetl_stage_b[0-9]+_/, 'rsetl_stage_b<id>_')
    .replace(/[0-9a-f]{6,}|[0-9]{4,}/gi, (run) => (/^[0-9]{4,}$/.test(run) || (run.match(/[0-9]/g)?.length ?? 0) >= 2 ? '<id>' : run));
}

/** Without a tree: quoted names followed by a dot (rsetl quotes every schema it names). */
function qualifierNames(tokens: Token[]): Set<string> {
  const sig = tokens.filter(isSignificant);
  const out = new Set<string>();
  sig.forEach((t, i) => {
    if (t.kind === 'quoted-ident' && sig[i + 1]?.text === '.' && sig[i + 2] && sig[i + 2]!.kind !== 'punct') {
      const name = identifierValue(t);
      if (!isSystemSchema(name)) out.add(name);
    }
  });
  return out;
}

/** The schema and user names a parse tree mentions (other than the system's). */
function namesInTree(tree: any): { schemas: Set<string>; users: Set<string> } {
  const schemas = new Set<string>();
  const users = new Set<string>();
  const strings = (list: any): string[] =>
    (Array.isArray(list) ? list : (list?.List?.items ?? [])).map((n: any) => n?.String?.sval).filter((s: unknown): s is string => typeof s === 'string');
  const walk = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    // Fields of a fixed node type are not wrapped in their type's name: RangeVar and RoleSpec are
    // recognised by their keys.
    if (typeof node.relname === 'string' && typeof node.schemaname === 'string') schemas.add(node.schemaname);
    if (node.roletype === 'ROLESPEC_CSTRING' && typeof node.rolename === 'string') users.add(node.rolename);
    for (const [key, value] of Object.entries(node) as [string, any][]) {
      switch (key) {
        case 'CreateSchemaStmt':
          if (value.schemaname) schemas.add(value.schemaname);
          break;
        case 'GrantStmt':
          if (value.objtype === 'OBJECT_SCHEMA' || value.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') strings(value.objects).forEach((s) => schemas.add(s));
          break;
        case 'DropStmt':
          if (value.removeType === 'OBJECT_SCHEMA') strings(value.objects).forEach((s) => schemas.add(s));
          break;
        case 'DefElem':
          if (value.defname === 'schemas') strings(value.arg).forEach((s) => schemas.add(s));
          break;
        case 'VariableSetStmt':
          if (value.name === 'search_path') for (const a of value.args ?? []) if (a?.A_Const?.sval?.sval) schemas.add(a.A_Const.sval.sval);
          break;
        case 'ColumnRef': {
          const fields = strings(value.fields);
          if (fields.length === 3) schemas.add(fields[0]!);
          break;
        }
        case 'FuncCall': {
          const name = strings(value.funcname);
          if (name.length === 2) schemas.add(name[0]!);
          break;
        }
        case 'CreateRoleStmt':
          if (value.role) users.add(value.role);
          break;
      }
      walk(value);
    }
  };
  walk(tree);
  for (const s of schemas) if (isSystemSchema(s)) schemas.delete(s);
  return { schemas, users };
}

// ------------------------------------------------------------------------------------------------
// Layout: significant tokens in nested bracket groups, for the list collapses; serialised with one
// space wherever the text had whitespace or a comment.

interface Leaf {
  token: Token;
  spaceBefore: boolean;
}
interface Group {
  open: Leaf;
  items: Node[];
  close: Leaf | undefined;
}
type Node = Leaf | Group;

const isGroup = (n: Node | undefined): n is Group => n !== undefined && 'items' in n;

function layout(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const groups: Group[] = [];
  let space = false;
  for (const t of tokens) {
    if (!isSignificant(t)) {
      space = true;
      continue;
    }
    const oneLine = t.kind === 'string' || t.kind === 'quoted-ident' ? { kind: t.kind, text: t.text.replace(/\s+/g, ' ') } : t;
    const leaf: Leaf = { token: oneLine, spaceBefore: space };
    space = false;
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) {
      const g: Group = { open: leaf, items: [], close: undefined };
      stack.at(-1)!.push(g);
      stack.push(g.items);
      groups.push(g);
    } else if (t.kind === 'punct' && (t.text === ')' || t.text === ']') && groups.length > 0) {
      groups.pop()!.close = leaf;
      stack.pop();
    } else stack.at(-1)!.push(leaf);
  }
  return root;
}

function serialize(nodes: Node[]): string {
  const renumber = new Map<string, string>();
  let out = '';
  const emit = (leaf: Leaf) => {
    let text = leaf.token.text;
    if (leaf.token.kind === 'param') {
      if (!renumber.has(text)) renumber.set(text, `$${renumber.size + 1}`);
      text = renumber.get(text)!;
    }
    out += (leaf.spaceBefore && out !== '' ? ' ' : '') + text;
  };
  const walk = (list: Node[]) => {
    for (const n of list) {
      if (isGroup(n)) {
        emit(n.open);
        walk(n.items);
        if (n.close) emit(n.close);
      } else emit(n);
    }
  };
  walk(nodes);
  return out.replace(/\s*;\s*$/, '').trim();
}

/** The text of nodes with every parameter as `$` and words in lower case: items that differ only in values compare equal. */
function skeleton(nodes: Node[]): string {
  const parts: string[] = [];
  const walk = (list: Node[]) => {
    for (const n of list) {
      if (isGroup(n)) {
        parts.push(n.open.token.text);
        walk(n.items);
        parts.push(n.close?.token.text ?? '');
      } else parts.push(n.token.kind === 'param' ? '$' : n.token.kind === 'word' ? n.token.text.toLowerCase() : n.token.text);
    }
  };
  walk(nodes);
  return parts.join(' ');
}

const hasParam = (nodes: Node[]) => skeleton(nodes).split(' ').includes('$');
const isPunct = (n: Node | undefined, p: string) => !isGroup(n) && n?.token.kind === 'punct' && n.token.text === p;
const isWordNode = (n: Node | undefined, w: string) => !isGroup(n) && n?.token.kind === 'word' && n.token.text.toUpperCase() === w;

/** Splits a node list at nodes for which `at(i)` gives the separator's length. */
function splitAt(nodes: Node[], at: (i: number) => number): Node[][] {
  const parts: Node[][] = [[]];
  for (let i = 0; i < nodes.length; i++) {
    const len = at(i);
    if (len > 0) {
      parts.push([]);
      i += len - 1;
    } else parts.at(-1)!.push(nodes[i]!);
  }
  return parts;
}

/** Whether every part has the first one's skeleton and a parameter: a list of values of one kind. */
function repeats(parts: Node[][]): boolean {
  if (parts.length < 2 || !hasParam(parts[0]!)) return false;
  const first = skeleton(parts[0]!);
  return parts.every((p) => skeleton(p) === first);
}

/**
 * The tables of `LOCK a, b, …` and `DROP TABLE a, b, …` depend on what a load holds: a LOCK of
 * several keeps its first (the ledger, locked first on purpose) and then one "<table>"; DROP TABLE
 * of one table or several drops "<table>".
 */
function collapseNameList(list: Node[]): Node[] {
  let at = 0;
  let keepFirst: boolean;
  if (isWordNode(list[0], 'LOCK')) {
    at = isWordNode(list[1], 'TABLE') ? 2 : 1;
    keepFirst = true;
  } else if (isWordNode(list[0], 'DROP') && isWordNode(list[1], 'TABLE')) {
    at = isWordNode(list[2], 'IF') && isWordNode(list[3], 'EXISTS') ? 4 : 2;
    keepFirst = false;
  } else return list;
  const isName = (n: Node | undefined) => !isGroup(n) && n !== undefined && (n.token.kind === 'word' || n.token.kind === 'quoted-ident');
  const items: Node[][] = [];
  let k = at;
  for (;;) {
    if (!isName(list[k])) return list;
    const item = [list[k]!];
    k++;
    if (isPunct(list[k], '.') && isName(list[k + 1])) {
      item.push(list[k]!, list[k + 1]!);
      k += 2;
    }
    items.push(item);
    if (!isPunct(list[k], ',')) break;
    k++;
  }
  const table = (spaceBefore: boolean): Leaf => ({ token: { kind: 'quoted-ident', text: TABLE }, spaceBefore });
  if (!keepFirst) return [...list.slice(0, at), table((list[at] as Leaf).spaceBefore), ...list.slice(k)];
  if (items.length < 2) return list;
  return [...list.slice(0, at), ...items[0]!, list[at + items[0]!.length]!, table(true), ...list.slice(k)];
}

/** IN (…), ARRAY[…], VALUES (…), (…) and SELECT … UNION ALL SELECT … lists of one item repeated keep that item. */
function collapseRepeats(nodes: Node[]): Node[] {
  let list = collapseNameList(nodes.map((n) => (isGroup(n) ? { ...n, items: collapseRepeats(n.items) } : n)));
  // IN ( … , … ) and ARRAY[ … , … ]
  for (let i = 1; i < list.length; i++) {
    const g = list[i];
    if (!isGroup(g) || !(isWordNode(list[i - 1], 'IN') || isWordNode(list[i - 1], 'ARRAY'))) continue;
    const items = splitAt(g.items, (k) => (isPunct(g.items[k], ',') ? 1 : 0));
    if (repeats(items)) list[i] = { ...g, items: items[0]! };
  }
  // VALUES ( … ), ( … )
  const values = list.findIndex((n) => isWordNode(n, 'VALUES'));
  if (values >= 0) {
    let end = values + 1;
    const rows: Group[] = [];
    while (isGroup(list[end])) {
      rows.push(list[end] as Group);
      if (!isPunct(list[end + 1], ',') || !isGroup(list[end + 2])) break;
      end += 2;
    }
    if (repeats(rows.map((r) => [r]))) list = [...list.slice(0, values + 1), rows[0]!, ...list.slice(values + 1 + rows.length * 2 - 1)];
  }
  // SELECT … UNION ALL SELECT …
  const unionAll = (k: number) => (isWordNode(list[k], 'UNION') && isWordNode(list[k + 1], 'ALL') ? 2 : 0);
  if (list.some((_, k) => unionAll(k) > 0)) {
    const parts = splitAt(list, unionAll);
    if (repeats(parts)) list = parts[0]!;
  }
  return list;
}

// ------------------------------------------------------------------------------------------------
// The process's record: shapes appended to its own file, each shape once.

/** Where a session's succeeded statement texts go. */
export interface StatementSink {
  add(text: string): void;
}

class StatementRecord implements StatementSink {
  private readonly seen = new Set<string>();
  private readonly shapes = new Map<string, string>();
  private file: string | undefined;
  /** Texts not shaped yet: shaping waits until the session's answer is on its way. */
  private pending: string[] = [];
  private readonly drain = () => {
    const texts = this.pending;
    this.pending = [];
    for (const text of texts) {
      try {
        const statements = text.includes(';') ? splitStatements(tokenize(text, TOKENIZE)).map(joinTokens) : [text];
        for (const statement of statements) this.addOne(statement);
      } catch {
        // Recording must never disturb the stand-in; a missing shape shows in the snapshot's diff.
      }
    }
  };

  constructor(private readonly dir: string) {
    process.once('exit', this.drain);
  }

  /** A request's text: each of its statements is recorded on its own. */
  add(text: string): void {
    if (this.pending.push(text) === 1) setImmediate(this.drain);
  }

  private addOne(text: string): void {
    let shape = this.shapes.get(text);
    if (shape === undefined) {
      shape = statementShape(text);
      if (text.length <= 16_384 && this.shapes.size < 5000) this.shapes.set(text, shape);
    }
    if (shape === '' || this.seen.has(shape)) return;
    this.seen.add(shape);
    try {
      if (!this.file) {
        mkdirSync(this.dir, { recursive: true });
        this.file = join(this.dir, `statements-${process.pid}-${randomBytes(4).toString('hex')}.sql`);
      }
      appendFileSync(this.file, `${shape}\n`);
    } catch {
      // Recording must never disturb the stand-in; a missing shape shows in the snapshot's diff.
    }
  }
}

let record: StatementRecord | undefined | null;

function processRecord(): StatementRecord | undefined {
  if (record === undefined) {
    const dir = process.env[RECORD_STATEMENTS_ENV];
    record = dir ? new StatementRecord(dir) : null;
  }
  return record ?? undefined;
}

// ------------------------------------------------------------------------------------------------
// One session's record: which statement texts the backend answered without an error.

const Q = 0x51, P = 0x50, S = 0x53, E = 0x45, Z = 0x5a;

/**
 * Follows one client session: the statement texts of each request (a Query, or the Parses of an
 * extended batch up to its Sync) and the messages the client gets back. A request whose answer up
 * to its ReadyForQuery holds no ErrorResponse succeeded: its statements are recorded. Statements
 * the stand-in refused are answered with an error, so they are never recorded.
 */
export class SessionRecording {
  private readonly pending: { texts: string[]; failed: boolean }[] = [];
  private open: { texts: string[]; failed: boolean } = { texts: [], failed: false };
  /** The first ReadyForQuery ends the login, not a request. */
  private loggedIn = false;

  constructor(private readonly into: StatementSink) {}

  /** A client message, as the session starts handling it (after the login). */
  fromClient(f: Buffer): void {
    const type = f[0];
    if (type === Q) this.pending.push({ texts: [queryText(f)], failed: false });
    else if (type === P) this.open.texts.push(decodeParse(f).text);
    else if (type === S) {
      this.pending.push(this.open);
      this.open = { texts: [], failed: false };
    }
  }

  /** A message sent to the client (its type byte). */
  toClient(type: number | undefined): void {
    if (!this.loggedIn) {
      this.loggedIn = type === Z;
      return;
    }
    if (type === E) (this.pending[0] ?? this.open).failed = true;
    else if (type === Z) {
      const done = this.pending.shift();
      if (done && !done.failed) for (const text of done.texts) this.into.add(text);
    }
  }
}

/** The recording of a session with these startup parameters, when recording is on and the client is rsetl. */
export function sessionRecording(params: Record<string, string>): SessionRecording | undefined {
  if (!(params.application_name ?? '').startsWith('rsetl')) return undefined;
  const into = processRecord();
  return into && new SessionRecording(into);
}
