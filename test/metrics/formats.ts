// Strict readers of the two metrics formats, written from their specifications and independent of
// src/metrics, for the tests: each throws on anything malformed, so a test that parses rsetl's
// output fails when the output is wrong.

// ---------------------------------------------------------------------------------------------
// Prometheus text exposition format 0.0.4, as node_exporter's textfile collector accepts it.

export interface ParsedSample {
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string | undefined;
  type: string | undefined;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`${where}: invalid escape \\${c} in HELP`);
  });
}

function parseFloatStrict(text: string, where: string): number {
  if (!FLOAT.test(text)) throw new Error(`${where}: invalid value ${JSON.stringify(text)}`);
  if (text === 'NaN') return Number.NaN;
  if (text.endsWith('Inf')) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(text);
}

/** Labels from the text after `{`: returns them and the rest after `}`. */
function parseLabels(text: string, where: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 0;
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    if (!name || !LABEL_NAME.test(name)) throw new Error(`${where}: invalid label name at ${JSON.stringify(text.slice(i, i + 20))}`);
    if (name.startsWith('__')) throw new Error(`${where}: reserved label name ${name}`);
    if (name in labels) throw new Error(`${where}: label ${name} given twice`);
    i += name.length;
    if (text.slice(i, i + 2) !== '="') throw new Error(`${where}: expected =" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`${where}: unterminated value of label ${name}`);
      if (c === '"') break;
      if (c === '\n') throw new Error(`${where}: raw line feed in label ${name}`);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`${where}: invalid escape \\${e ?? ''} in label ${name}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++; // closing quote
    labels[name] = value;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`${where}: expected , or } after label ${name}`);
  }
}

/** Parses a whole exposition text; throws on anything the format (or the textfile collector) refuses. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: string | undefined;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: undefined, type: undefined, samples: [] }));
    return f;
  };
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') throw new Error(`${where}: empty line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
      if (!m) throw new Error(`${where}: a comment that is neither HELP nor TYPE: ${line}`);
      const [, what, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: invalid metric name ${name}`);
      const f = family(name);
      if (f.samples.length > 0) throw new Error(`${where}: ${what} for ${name} after its samples`);
      if (what === 'HELP') {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f.help = unescapeHelp(rest, where);
      } else {
        if (f.type !== undefined) throw new Error(`${where}: second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: invalid type ${JSON.stringify(rest)}`);
        f.type = rest;
      }
      return;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`${where}: invalid sample line ${JSON.stringify(line)}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), where));
    if (!rest.startsWith(' ')) throw new Error(`${where}: expected a space before the value`);
    const parts = rest.slice(1).split(' ');
    if (parts.length !== 1) throw new Error(`${where}: a timestamp or extra text after the value (the textfile collector refuses timestamps)`);
    const value = parseFloatStrict(parts[0]!, where);
    if (current !== name && families.get(name)?.samples.length) throw new Error(`${where}: samples of ${name} are not together`);
    current = name;
    const key = `${name}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    series.add(key);
    family(name).samples.push({ labels, value });
  });
  for (const f of families.values()) {
    if (f.samples.length > 0 && f.type === undefined) throw new Error(`${f.name} has samples but no TYPE`);
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = (families.get(name)?.samples ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} names ${matches.length} samples`);
  return matches[0]?.value;
}

// ---------------------------------------------------------------------------------------------
// CloudWatch Embedded Metric Format (specification: "Specification: Embedded metric format",
// Amazon CloudWatch User Guide). Strict where the specification says MUST.

const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits',
  'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
  'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Checks one log line as an EMF document and returns it parsed. */
export function validateEmfLine(line: string): Record<string, any> {
  if (Buffer.byteLength(line, 'utf8') > 256 * 1024) throw new Error('an EMF event is at most 256 KB');
  const doc: unknown = JSON.parse(line); // no extra data before or after: JSON.parse refuses it
  if (!isObject(doc)) throw new Error('the root is not a JSON object');
  const aws = doc._aws;
  if (!isObject(aws)) throw new Error('_aws is missing or not an object');
  for (const k of Object.keys(aws)) if (k !== 'Timestamp' && k !== 'CloudWatchMetrics') throw new Error(`_aws has an unknown member ${k}`);
  if (!Number.isSafeInteger(aws.Timestamp) || (aws.Timestamp as number) < 0) throw new Error('_aws.Timestamp must be whole milliseconds since the epoch');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) throw new Error('_aws.CloudWatchMetrics must be a non-empty array');
  for (const d of directives) {
    if (!isObject(d)) throw new Error('a MetricDirective is not an object');
    for (const k of Object.keys(d)) if (!['Namespace', 'Dimensions', 'Metrics'].includes(k)) throw new Error(`a MetricDirective has an unknown member ${k}`);
    if (typeof d.Namespace !== 'string' || d.Namespace.length < 1 || d.Namespace.length > 255) throw new Error('Namespace must be a string of 1 to 255 characters');
    if (!Array.isArray(d.Dimensions) || d.Dimensions.length < 1) throw new Error('Dimensions must be a non-empty array of DimensionSets');
    for (const set of d.Dimensions) {
      if (!Array.isArray(set) || set.length > 9) throw new Error('a DimensionSet is an array of at most 9 keys');
      for (const key of set) {
        if (typeof key !== 'string' || key.length < 1 || key.length > 255) throw new Error('a dimension key must be a string of 1 to 255 characters');
        if (typeof doc[key] !== 'string') throw new Error(`dimension ${key} has no string member on the root`);
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100) throw new Error('Metrics must be an array of at most 100 MetricDefinitions');
    for (const m of d.Metrics) {
      if (!isObject(m)) throw new Error('a MetricDefinition is not an object');
      for (const k of Object.keys(m)) if (k !== 'Name' && k !== 'Unit') throw new Error(`a MetricDefinition has an unknown member ${k}`);
      if (typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > 255) throw new Error('a metric Name must be a string of 1 to 255 characters');
      if (m.Unit !== undefined && (typeof m.Unit !== 'string' || !UNITS.has(m.Unit))) throw new Error(`${m.Name}: ${String(m.Unit)} is not a CloudWatch unit`);
      const v = doc[m.Name];
      const ok = isNumber(v) || (Array.isArray(v) && v.length >= 1 && v.length <= 100 && v.every(isNumber));
      if (!ok) throw new Error(`metric ${m.Name} has no numeric member (or array of at most 100 numbers) on the root`);
    }
  }
  return doc;
}
