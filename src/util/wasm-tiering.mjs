// Which V8 compiler each WebAssembly module of the bot and the compose command gets.
//
// V8 runs wasm first on its baseline compiler (Liftoff), then optimises hot functions again with TurboFan in the
// background. That suits small hot kernels, but not verovio's 11.5 MB binary, which runs thousands of functions a
// little each: optimising them costs ~100 MB more memory and a second of background CPU and engraves no faster.
// So a process that composes tunes puts WebAssembly on the baseline compiler (useBaselineWasmEverywhere) and
// compiles the few hot kernels (MP3 encoder, LSTM sampler) fully optimised up front (compileOptimized). V8 flags
// are process-wide, but a compiled function keeps the tier it was compiled with, so compileOptimized switches
// the flags for the length of one synchronous compile and back.
//
// Measured on this 2-core machine, 40 rounds of engraving a 16-bar tune and encoding 39 s of MP3 in one thread:
//   default tiering:                      peak RSS 291 MB, engraving 44 ms, MP3 108 ms (encoder tiered up)
//   baseline everywhere:                  peak RSS 126 MB, engraving 52 ms, MP3 179 ms
//   baseline + encoder compileOptimized:  peak RSS 128 MB, engraving 46-52 ms, MP3 109 ms (79 ms to compile once)
//
// Processes that train or evaluate models keep V8's default tiering: tfjs-wasm needs its kernels optimised.
// Plain JavaScript because the engraver worker, which runs without tsx, uses it too.

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

/**
 * Compiles a small, hot WebAssembly binary. On baseline everywhere: every function now, with the optimising
 * compiler, and then the flags go back. Otherwise an ordinary compile (V8 optimises hot functions by itself).
 */
export function compileOptimized(bytes) {
  if (!baselineWasmEverywhere()) return new WebAssembly.Module(bytes);
  setFlagsFromString('--no-liftoff-only --no-liftoff --no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    setFlagsFromString('--liftoff --liftoff-only --wasm-lazy-compilation');
  }
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
