// docs/configuration.md against the configuration schema it documents: the table after
// <a id="keys"></a> must name every key src/config/schema.ts declares, once, and no other, each
// with a type, a default and a meaning. It also checks that every relative link in README.md and
// docs/*.md reaches an existing file and, for a #fragment, an anchor or heading in it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configKeyPaths } from '../../src/config/schema.js';
import { tableRowsAfter } from './markdown-table.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = 'docs/configuration.md';

/** The keys the configuration table names, one per row (the first `code` span of the first cell). */
export function documentedKeys(markdown: string): string[] {
  const { header, rows } = tableRowsAfter(markdown, 'keys', DOC);
  expect(header).toEqual(['key', 'type', 'default', 'meaning']);
  return rows.map((r) => /^`([^`]+)`$/.exec(r[0] ?? '')?.[1] ?? `<not one key: ${r[0]}>`);
}

describe(`${DOC}, the table of every key`, () => {
  const markdown = readFileSync(join(ROOT, DOC), 'utf8');
  const documented = documentedKeys(markdown);
  const schema = configKeyPaths();

  it('names every key of the schema', () => {
    expect(schema.filter((k) => !documented.includes(k))).toEqual([]);
  });

  it('names no key the schema lacks, and none twice', () => {
    expect(documented.filter((k) => !schema.includes(k))).toEqual([]);
    expect(documented.filter((k, i) => documented.indexOf(k) !== i)).toEqual([]);
  });

  it('gives every key a type, a default (or —) and a meaning', () => {
    for (const row of tableRowsAfter(markdown, 'keys', DOC).rows) {
      expect(row, row[0]).toHaveLength(4);
      for (const cell of row) expect(cell, row[0]).not.toBe('');
    }
  });

  it('catches drift: a row for a key the schema lacks is reported', () => {
    const drifted = markdown.replace('| `dev.dataDir` |', '| `poll.noSuchKey` | integer | 1 | not a key |\n| `dev.dataDir` |');
    expect(documentedKeys(drifted).filter((k) => !schema.includes(k))).toEqual(['poll.noSuchKey']);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]!);
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('relative links in README.md and docs/*.md', () => {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const text = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

  it.each(files)('%s: every relative link reaches a file and an anchor', (file) => {
    const broken: string[] = [];
    const body = text.get(file)!.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    for (const m of body.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
      if (!existsSync(resolved)) {
        broken.push(`${target} (no file ${relative(ROOT, resolved)})`);
        continue;
      }
      if (fragment !== undefined) {
        const key = relative(ROOT, resolved);
        const markdown = text.get(key) ?? (key.endsWith('.md') ? readFileSync(resolved, 'utf8') : undefined);
        if (markdown !== undefined && !anchorsOf(markdown).has(fragment)) broken.push(`${target} (no anchor #${fragment} in ${key})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
