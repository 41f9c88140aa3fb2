// Secrets never reach a terminal, a log or --json output. Every printer, error description and
// JSON result goes through these two functions. Redaction errs on the side of hiding too much:
// a masked host name costs a second look, a printed password costs a rotation.

const MASK = '***';

/** Object keys whose values are secrets, wherever they appear. */
const SECRET_KEY = /password|secret|token|accesskey|pass$|^pwd$|signature/i;

/** `scheme://user:PASSWORD@host` — the password may hold raw `@`, `/` or quotes; the host may not. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]*:)(\S*?)@(?=[^\s@'"]*(?:$|[\s'"]))/gi;

/** `password=...` in query strings, JDBC `;password=...`, `PWD=`, AWS credential strings; the value
 * may be quoted, also with JSON-escaped quotes (`password=\"x\"` inside a JSON string). */
const KEY_EQUALS_VALUE =
  /\b(password|passwd|pass|pwd|secret[a-z_]*|aws_secret_access_key|aws_session_token|x-amz-security-token|x-amz-signature|token)(\s*=\s*)(?:"(?:\\.|[^"\\])*"|'(?:''|[^'])*'|\\"[^"]*?\\"|[^\s;&'",)\\]+)/gi;

/** `"password": "..."` inside JSON text (quoted keys only, so `redshift.password: required` stays readable). */
const QUOTED_KEY_VALUE =
  /(["'][a-z_]*(?:password|secret|token|accesskey)[a-z_]*["']\s*:\s*)(["'])((?:\\.|(?!\2).)*)\2/gi;

/** SQL text such as `CREATE USER x PASSWORD 'secret'` echoed back in an error message. */
const SQL_PASSWORD = /(\bpassword\s+)'(?:[^']|'')*'/gi;

/** Values registered by loadConfig (passwords, keys) are masked verbatim in any text. */
const registered = new Set<string>();

/** Shorter values would mask ordinary words; they are not worth the noise. */
const MIN_SECRET_LENGTH = 3;

export function addKnownSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (v !== undefined && v.length >= MIN_SECRET_LENGTH) registered.add(v);
}

/** For tests: forget the registered secrets. */
export function clearKnownSecrets(): void {
  registered.clear();
}

/** The forms a secret takes when it is printed: raw, URL-encoded, JSON-escaped, SQL-quoted. */
function spellings(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), secret.replace(/'/g, "''")]);
  try {
    forms.add(decodeURIComponent(secret));
  } catch {
    // not URL-encoded; nothing to add
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Masks URL passwords, `password=` pairs, quoted secret keys and every known secret value. */
export function redactText(s: string, knownSecrets: readonly string[] = []): string {
  let out = s;
  const secrets = [...registered, ...knownSecrets.filter((k) => k.length >= MIN_SECRET_LENGTH)]
    .flatMap(spellings)
    .sort((a, b) => b.length - a.length);
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out
    .replace(URL_PASSWORD, `$1${MASK}@`)
    .replace(KEY_EQUALS_VALUE, `$1$2${MASK}`)
    .replace(QUOTED_KEY_VALUE, `$1$2${MASK}$2`)
    .replace(SQL_PASSWORD, `$1'${MASK}'`);
}

/**
 * A deep copy of `value` that is safe to print: values under secret-named keys become `***`,
 * and every string (keys' values, array items, error messages) goes through redactText.
 */
export function redact(value: unknown, knownSecrets: readonly string[] = []): unknown {
  // Only a true cycle (an object inside itself) is cut; the same object reached twice through
  // different paths is printed twice, as JSON.stringify would.
  const ancestors = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, knownSecrets);
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return v;
    if (ancestors.has(v)) return '[Circular]';
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map(walk);
      if (v instanceof Error) {
        return walk({ name: v.name, message: v.message, ...(v as unknown as Record<string, unknown>) });
      }
      const json = (v as { toJSON?: unknown }).toJSON;
      if (typeof json === 'function') return walk(json.call(v));
      const copy: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        copy[k] = SECRET_KEY.test(k) && item !== null && item !== undefined && typeof item !== 'boolean' ? MASK : walk(item);
      }
      return copy;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value);
}
