// Which V8 compiler each WebAssembly module of the bot and the compose command gets.
//
// V8 runs wasm first on its baseline compiler (Liftoff), then optimises hot functions again with TurboFan in the
// background. That suits small hot kernels, but not verovio's 11.5 MB binary, which runs thousands of functions a
// little each: optimising them costs ~100 MB more memory and a second of background CPU and engraves no faster.
// So a process that composes tunes puts WebAssembly on the baseline compiler (useBaselineWasmEverywhere), and
// the bot compiles its few hot kernels (MP3 encoder, LSTM sampler) fully optimised at start-up
// (precompileKernels), in its main thread before any other WebAssembly runs, and hands the compiled modules to
// its worker threads (adoptKernels; a compiled module is shared, not copied). V8 flags are process-wide, but a
// compiled function keeps the tier it was compiled with: so precompileKernels switches the flags for the length
// of its synchronous compiles and back. It must run before other threads compile anything, or their code could
// be compiled in that moment with the wrong flags.
//
// Measured on this 2-core machine, 40 rounds of engraving a 16-bar tune and encoding 39 s of MP3 in one thread:
//   default tiering:                        peak RSS 291 MB, engraving 44 ms, MP3 108 ms (encoder tiered up)
//   baseline everywhere:                    peak RSS 126 MB, engraving 52 ms, MP3 179 ms
//   baseline, encoder compiled optimised:   peak RSS 128 MB, engraving 46-52 ms, MP3 109 ms (79 ms to compile once)
//
// Processes that train or evaluate models keep V8's default tiering: tfjs-wasm needs its kernels optimised.
// Plain JavaScript because the engraver worker, which runs without a TypeScript loader, uses it too.

import { setFlagsFromString } from 'node:v8';

/** Set in process.env, which worker threads (and child processes) started afterwards inherit. */
const ENV_MARK = 'FOLKBOT_WASM_TIERING';

/** Puts the process's WebAssembly on the baseline compiler from now on; call before any wasm is compiled. */
export function useBaselineWasmEverywhere() {
  setFlagsFromString('--liftoff-only');
  process.env[ENV_MARK] = 'baseline';
}

/** Whether the process is on baseline WebAssembly (useBaselineWasmEverywhere here or in a parent, or --liftoff-only). */
export function baselineWasmEverywhere() {
  return process.env[ENV_MARK] === 'baseline' || process.execArgv.includes('--liftoff-only');
}

/** Kernels compiled optimised by precompileKernels (main thread) or handed over by adoptKernels (workers). */
const kernels = new Map();

/**
 * On baseline everywhere, compiles each binary of `binaries` ({ name: bytes }) fully optimised, every function now,
 * then puts the flags back; otherwise compiles them normally. Call it at start-up, before any other thread
 * compiles WebAssembly. Returns { name: WebAssembly.Module } for adoptKernels in worker threads.
 */
export function precompileKernels(binaries) {
  const baseline = baselineWasmEverywhere();
  if (baseline) setFlagsFromString('--no-liftoff-only --no-liftoff --no-wasm-lazy-compilation');
  try {
    for (const [name, bytes] of Object.entries(binaries)) kernels.set(name, new WebAssembly.Module(bytes));
  } finally {
    if (baseline) setFlagsFromString('--liftoff --liftoff-only --wasm-lazy-compilation');
  }
  return Object.fromEntries(kernels);
}

/** Makes modules that precompileKernels compiled in another thread available to kernelModule in this one. */
export function adoptKernels(modules) {
  for (const [name, module] of Object.entries(modules ?? {})) kernels.set(name, module);
}

/**
 * The compiled module of a hot kernel: the one precompileKernels made (or adoptKernels received) under that name,
 * else `bytes()` compiled here the ordinary way (on baseline everywhere, baseline code: slower, never wrong).
 */
export function kernelModule(name, bytes) {
  let module = kernels.get(name);
  if (!module) {
    module = new WebAssembly.Module(bytes());
    kernels.set(name, module);
  }
  return module;
}

/**
 * Compiles a large binary that should never be optimised (verovio). On baseline everywhere: an ordinary, lazy
 * compile. Otherwise every function is compiled now while --liftoff-only is set (a function compiled lazily on
 * its first call, after the flags are back, would be optimised after all), then V8's defaults come back.
 */
export function compileOnBaseline(bytes) {
  if (baselineWasmEverywhere()) return new WebAssembly.Module(bytes);
  setFlagsFromString('--liftoff-only --no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    // --liftoff-only had also switched tier-up off (a flag implication): switch those back on by name.
    setFlagsFromString('--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering --wasm-lazy-compilation');
  }
}
