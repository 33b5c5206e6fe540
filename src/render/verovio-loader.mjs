// Loads verovio's Humdrum build (verovio/wasm-hum) quickly.
//
// The package ships one 12 MB JavaScript file with its 11.5 MB WebAssembly binary inside a string literal. Parsing
// that file and decoding the literal took about 0.9 s of the 1.1 s verovio needed to start on our machine; compiling
// the binary itself takes about 0.1 s. So the first start unpacks it once into a cache folder beside the packages
// (node_modules/.cache/folkbot/): the binary as a .wasm file and the module with the literal cut out, which takes
// the binary from its arguments instead. Later starts read those two files. The cache is keyed by verovio's
// version and file size, so an upgrade unpacks again. Anything unexpected (a read-only node_modules, a verovio
// whose file no longer has the literal) falls back to the package's own module, which is only slower.
//
// Plain JavaScript because the engraver worker that calls it runs without tsx (see engrave-worker.mjs).

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The function in verovio's module that decodes the embedded binary, up to the opening quote of the literal. */
const LITERAL_START = "function findWasmBinary(){return binaryDecode('";
/** What the patched module returns instead: the binary handed to createVerovioModule. */
const PATCHED_FUNCTION = 'function findWasmBinary(){return Module["folkbotWasmBinary"]}';

function verovioFiles(cacheRoot) {
  // verovio's exports do not include its package.json: find it from the module, in the package's dist/.
  const original = require.resolve('verovio/wasm-hum');
  const packageDir = path.dirname(path.dirname(original));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const size = statSync(original).size;
  const root = cacheRoot ?? path.join(path.dirname(packageDir), '.cache', 'folkbot');
  const cacheDir = path.join(root, `verovio-hum-${version}-${size}`);
  return { original, cacheDir, module: path.join(cacheDir, 'verovio-module-hum.mjs'), wasm: path.join(cacheDir, 'verovio-hum.wasm'), manifest: path.join(cacheDir, 'manifest.json') };
}

/** The end of the string literal that starts at `from`: the first quote not escaped by a backslash. */
function literalEnd(bytes, from) {
  for (let at = bytes.indexOf(0x27, from); at !== -1; at = bytes.indexOf(0x27, at + 1)) {
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

/** The module's text with the literal replaced, or null when the file does not have the expected shape. */
export function patchedModule(originalBytes) {
  const start = originalBytes.indexOf(LITERAL_START);
  if (start === -1 || originalBytes.indexOf(LITERAL_START, start + 1) !== -1) return null;
  const end = literalEnd(originalBytes, start + LITERAL_START.length);
  // The literal is followed by the closing parenthesis and brace of findWasmBinary.
  if (end === -1 || originalBytes.subarray(end, end + 3).toString('latin1') !== "')}") return null;
  return Buffer.concat([originalBytes.subarray(0, start), Buffer.from(PATCHED_FUNCTION), originalBytes.subarray(end + 3)]);
}

/**
 * Runs an Emscripten module factory with WebAssembly.instantiate wrapped: the binary it is handed is kept when
 * `capture` is set, and compiled with `compile` when one is given. The wrapper is in place only while the
 * factory runs, in this thread only.
 */
async function createWrapped(create, moduleArg, { capture, compile }) {
  const instantiate = WebAssembly.instantiate;
  let binary = null;
  WebAssembly.instantiate = async (source, imports) => {
    if (!ArrayBuffer.isView(source)) return instantiate.call(WebAssembly, source, imports);
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    if (capture && binary === null) binary = bytes.slice();
    if (!compile) return instantiate.call(WebAssembly, source, imports);
    const module = compile(bytes);
    return { module, instance: await instantiate.call(WebAssembly, module, imports) };
  };
  try {
    return { module: await create(moduleArg), binary };
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

/** Writes the cache folder atomically: files under temporary names, then one rename of the folder. */
function writeCache(files, binary) {
  const patched = patchedModule(readFileSync(files.original));
  if (patched === null) return 'verovio\'s module has no embedded binary literal to cut out';
  const staging = `${files.cacheDir}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, path.basename(files.wasm)), binary);
    writeFileSync(path.join(staging, path.basename(files.module)), patched);
    writeFileSync(path.join(staging, path.basename(files.manifest)), JSON.stringify({ wasmBytes: binary.byteLength, moduleBytes: patched.byteLength }));
    renameSync(staging, files.cacheDir);
    return null;
  } catch (error) {
    try {
      rmSync(staging, { recursive: true, force: true });
    } catch {
      // Nothing was created (e.g. the cache root is not a folder).
    }
    // Another process may have written the same folder first: that one is as good.
    return existsSync(files.manifest) ? null : `cannot write ${files.cacheDir}: ${error.message}`;
  }
}

/** The cached binary, its files checked against their manifest; null when absent or damaged (then removed). */
function readCache(files) {
  if (!existsSync(files.manifest)) return null;
  const manifest = JSON.parse(readFileSync(files.manifest, 'utf8'));
  const binary = readFileSync(files.wasm);
  if (binary.byteLength === manifest.wasmBytes && statSync(files.module).size === manifest.moduleBytes) return binary;
  // Damaged: remove it, so that it is written again.
  rmSync(files.cacheDir, { recursive: true, force: true });
  return null;
}

/**
 * Creates verovio's Humdrum-enabled Emscripten module. Returns { module, source, note }: `source` is 'cache' (the
 * unpacked files served), 'unpacked' (the package's module served and the cache was written for next time) or
 * 'package' (no cache: `note` says why). `cacheRoot` replaces node_modules/.cache/folkbot (for tests). `compile`
 * (bytes -> WebAssembly.Module), when given, compiles the binary (e.g. compileOnBaseline of util/wasm-tiering.mjs).
 */
export async function createVerovioHumModule({ cacheRoot, compile = null } = {}) {
  let files;
  try {
    files = verovioFiles(cacheRoot);
    const binary = readCache(files);
    if (binary !== null) {
      const { default: createPatched } = await import(pathToFileURL(files.module).href);
      const { module } = await createWrapped(createPatched, { folkbotWasmBinary: binary }, { capture: false, compile });
      return { module, source: 'cache', note: null };
    }
  } catch {
    // A damaged cache: the package's module still works; the cache is written again below.
    if (files) rmSync(files.cacheDir, { recursive: true, force: true });
  }
  const { default: createVerovioModule } = await import('verovio/wasm-hum');
  const { module, binary } = await createWrapped(createVerovioModule, {}, { capture: true, compile });
  if (!files) return { module, source: 'package', note: 'verovio\'s files were not found where expected' };
  if (binary === null) return { module, source: 'package', note: 'verovio did not hand its binary to WebAssembly.instantiate' };
  const problem = writeCache(files, binary);
  return { module, source: problem === null ? 'unpacked' : 'package', note: problem };
}

/** Unpacks the cache ahead of time (npm's postinstall); returns a line saying what happened. */
export async function prepareVerovioCache() {
  const started = Date.now();
  const { source, note } = await createVerovioHumModule();
  if (source === 'cache') return 'verovio already unpacked for fast start';
  return source === 'unpacked' ? `verovio unpacked for fast start (${Date.now() - started} ms)` : `verovio left packed: ${note}`;
}
