// Layers that point one way (docs/design.md#layers).
//
// Builds the folder-level import graph of src/ (static imports, `export … from`, `import type`
// and dynamic `import('…')` of relative paths, read with the TypeScript compiler's own
// pre-processor, so comments and strings never count) and checks two things:
//
//   (a) no cycle between folders;
//   (b) every import between two folders is one the LAYERS table below allows.
//
// The rule, bottom to top (a folder may import only the folders listed for it; files directly in
// src/ — errors.ts, crash-points.ts, optional-packages.ts — are the folder `src`):
//
//   sql        → (nothing of rsetl)  SQL quoting and name checks, pg text types, the statement
//                                    splitter, the timestamp formatter
//   src        → (nothing but itself) errors, crash points, optional packages
//   aws, config → src
//   model      → sql
//   events     → model, sql, src
//   stage      → events, model, aws, sql, src
//   source     → sql, src
//   warehouse  → stage, events, model, config, aws, sql, src
//   pipeline   → warehouse, source, stage, events, model, config, aws, sql, src
//   admin      → pipeline and everything below it
//   metrics    → pipeline and everything below it
//   localstack → source, stage, events, model, config, aws, sql, src (a stand-in for the
//                services, never the product's pipeline, admin or demo)
//   doctor     → admin, metrics, pipeline and everything below
//   demo       → localstack, admin, pipeline and everything below
//   cli        → everything
//
// A new folder under src/ fails this test until it has a row here and in docs/design.md#layers.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

const BELOW_PIPELINE = ['warehouse', 'source', 'stage', 'events', 'model', 'config', 'aws', 'sql', 'src'];

/** Folder → the folders its files may import (a folder may always import itself). */
export const LAYERS: Record<string, readonly string[]> = {
  sql: [],
  src: [],
  aws: ['src'],
  config: ['src'],
  model: ['sql'],
  events: ['model', 'sql', 'src'],
  stage: ['events', 'model', 'aws', 'sql', 'src'],
  source: ['sql', 'src'],
  warehouse: ['stage', 'events', 'model', 'config', 'aws', 'sql', 'src'],
  pipeline: BELOW_PIPELINE,
  admin: ['pipeline', ...BELOW_PIPELINE],
  metrics: ['pipeline', ...BELOW_PIPELINE],
  localstack: ['source', 'stage', 'events', 'model', 'config', 'aws', 'sql', 'src'],
  doctor: ['admin', 'metrics', 'pipeline', ...BELOW_PIPELINE],
  demo: ['localstack', 'admin', 'pipeline', ...BELOW_PIPELINE],
  cli: ['demo', 'doctor', 'localstack', 'metrics', 'admin', 'pipeline', ...BELOW_PIPELINE],
};

interface Import {
  from: string; // file, relative to the repository, with its line
  to: string; // file, relative to the repository
  fromFolder: string;
  toFolder: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const folderOf = (file: string): string => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : 'src';
};

function imports(): Import[] {
  const out: Import[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue; // packages and node: builtins
      const target = normalize(join(dirname(file), ref.fileName.replace(/\.js$/, '.ts')));
      if (!target.startsWith(SRC + sep)) continue;
      const line = text.slice(0, ref.pos).split('\n').length;
      out.push({
        from: `${relative(ROOT, file)}:${line}`,
        to: relative(ROOT, target),
        fromFolder: folderOf(file),
        toFolder: folderOf(target),
      });
    }
  }
  return out;
}

/** Every cycle's folders, as found by a depth-first search over the folder graph. */
function folderCycles(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    path.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...path.slice(path.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of [...edges.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('layers (docs/design.md#layers)', () => {
  const all = imports();
  const between = all.filter((i) => i.fromFolder !== i.toFolder);

  it('reads the imports of src/ (the check would pass vacuously otherwise)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(between.some((i) => i.fromFolder === 'cli')).toBe(true);
  });

  it('has a row in LAYERS for every folder of src/, and LAYERS names only those folders', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => !(f in LAYERS)).sort()).toEqual([]);
    const named = new Set(Object.values(LAYERS).flat());
    expect([...named].filter((f) => !(f in LAYERS)).sort()).toEqual([]);
  });

  it('LAYERS itself points one way', () => {
    const edges = new Map(Object.entries(LAYERS).map(([k, v]) => [k, new Set(v)]));
    expect(folderCycles(edges)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of between) {
      if (!edges.has(i.fromFolder)) edges.set(i.fromFolder, new Set());
      edges.get(i.fromFolder)!.add(i.toFolder);
    }
    const report = folderCycles(edges).map((cycle) => {
      const steps = cycle.slice(1).map((to, k) => {
        const from = cycle[k]!;
        const example = between.find((i) => i.fromFolder === from && i.toFolder === to)!;
        return `  ${from} → ${to}: ${example.from} → ${example.to}`;
      });
      return `${cycle.join(' → ')}\n${steps.join('\n')}`;
    });
    expect(report.join('\n\n'), 'folder import cycles').toBe('');
  });

  it('imports only in the directions LAYERS allows', () => {
    const offending = between
      .filter((i) => !(LAYERS[i.fromFolder] ?? []).includes(i.toFolder))
      .map((i) => `${i.fromFolder} → ${i.toFolder} not allowed: ${i.from} → ${i.to}`);
    expect(offending.join('\n'), 'imports against docs/design.md#layers').toBe('');
  });
});
