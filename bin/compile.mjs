// Compiles src/ (TypeScript) to plain JavaScript under dist/, so that `folkbot` runs without a TypeScript loader.
//
// tsx compiles each module as it is imported, through loader hooks that Node runs on an extra thread per thread
// that registers them. For the bot that meant one hooks thread for the main thread and one per compose worker,
// about 20-30 MB each, and 0.3-0.5 s of every command's start-up. So bin/folkbot.js asks for a compiled tree:
// esbuild transpiles every file of src/ (no bundling: the tree keeps its layout, so paths relative to
// import.meta.url still work) in about 0.2 s, and the .mjs files are copied beside them.
//
// A build is named by a hash of the sources (and of esbuild's and this file's versions) and is never modified:
// dist/builds/<hash>/src/... . So a changed source is a new build, a process keeps running on the build it started
// with (which stays while the process runs: see pruneBuilds), and two processes building at once both end with the
// same complete folder. dist/ is git-ignored.
// Anything that goes wrong returns null, and bin/folkbot.js falls back to tsx.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Builds kept besides the newest, for processes still running on them. */
const KEEP_OLD_BUILDS = 3;

function sourceFiles(srcDir) {
  return readdirSync(srcDir, { recursive: true })
    .map((name) => String(name))
    .filter((name) => statSync(path.join(srcDir, name)).isFile())
    .sort();
}

/** The build's name: the sources' paths and contents, this script, esbuild's version and Node's major version. */
function buildHash(srcDir, files, esbuildVersion) {
  const hash = createHash('sha256');
  hash.update(`${esbuildVersion}\0${process.versions.node.split('.')[0]}\0`);
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const name of files) hash.update(`\0${name}\0`).update(readFileSync(path.join(srcDir, name)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Removes all but the newest KEEP_OLD_BUILDS + 1 builds (and leftovers of interrupted ones), except a build a running
 * process still uses: a training run or a bot can outlive several edits of the sources, and a worker thread it starts
 * later loads its module from its build (measured: a training run's workers failed with "Cannot find module" when
 * four edits during its start-up had pruned its build).
 */
function pruneBuilds(buildsDir, current) {
  const entries = readdirSync(buildsDir)
    .filter((name) => name !== current)
    .map((name) => ({ name, mtime: statSync(path.join(buildsDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const stale = entries.filter((entry, index) => (index >= KEEP_OLD_BUILDS && !inUse(path.join(buildsDir, entry.name))) || /\.tmp-/.test(entry.name));
  for (const entry of stale) rmSync(path.join(buildsDir, entry.name), { recursive: true, force: true });
}

/** Marks a build as used by this process (see inUse), in its users/ folder: one empty file named by the pid. */
function markInUse(target) {
  try {
    mkdirSync(path.join(target, 'users'), { recursive: true });
    writeFileSync(path.join(target, 'users', String(process.pid)), '');
  } catch {
    // A build that cannot be marked may be pruned under a long run; the command itself still runs.
  }
}

/** Whether a process that marked the build is still running; the marks of ended processes are removed. */
function inUse(target) {
  const users = path.join(target, 'users');
  if (!existsSync(users)) return false;
  let alive = false;
  for (const name of readdirSync(users)) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && processRuns(pid)) alive = true;
    else rmSync(path.join(users, name), { force: true });
  }
  return alive;
}

function processRuns(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error?.code === 'EPERM';
  }
}

/**
 * Makes sure dist/ holds the compiled form of the current sources and returns the compiled src/ folder, or null
 * with a reason when it cannot (no esbuild, a syntax error, a read-only checkout).
 * Options (for tests): root (the repository), distDir (where builds go).
 */
export async function compiledSources({ root = repoRoot, distDir = path.join(root, 'dist') } = {}) {
  try {
    const srcDir = path.join(root, 'src');
    const { build, version } = await import('esbuild');
    const files = sourceFiles(srcDir);
    const hash = buildHash(srcDir, files, version);
    const buildsDir = path.join(distDir, 'builds');
    const target = path.join(buildsDir, hash);
    if (existsSync(path.join(target, 'complete'))) {
      markInUse(target);
      return { dir: path.join(target, 'src'), built: false, reason: null };
    }

    const staging = `${target}.tmp-${process.pid}-${Date.now()}`;
    mkdirSync(staging, { recursive: true });
    const typescript = files.filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
    await build({
      entryPoints: typescript.map((name) => path.join(srcDir, name)),
      outdir: path.join(staging, 'src'),
      outbase: srcDir,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      logLevel: 'silent',
    });
    // Plain JavaScript modules and other files (workers started without a loader, the kernel's source) as they are.
    for (const name of files.filter((name) => !name.endsWith('.ts') && !name.endsWith('.d.mts'))) {
      mkdirSync(path.dirname(path.join(staging, 'src', name)), { recursive: true });
      cpSync(path.join(srcDir, name), path.join(staging, 'src', name));
    }
    writeFileSync(path.join(staging, 'complete'), `${new Date().toISOString()}\n`);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process finished the same build first: use that one.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(path.join(target, 'complete'))) throw error;
    }
    markInUse(target);
    pruneBuilds(buildsDir, hash);
    return { dir: path.join(target, 'src'), built: true, reason: null };
  } catch (error) {
    return { dir: null, built: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

// `node bin/compile.mjs` (npm's postinstall): build now, so that the first command starts fast.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { dir, built, reason } = await compiledSources();
  if (dir === null) console.log(`folkbot: sources not compiled (${reason}); commands run through tsx instead`);
  else console.log(`folkbot: sources ${built ? `compiled to ${path.relative(repoRoot, dir)} in ${Date.now() - started} ms` : 'already compiled'}`);
}
