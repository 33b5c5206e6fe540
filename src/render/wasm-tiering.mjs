// Which V8 compiler WebAssembly gets. V8 first runs wasm on its baseline compiler (Liftoff) and optimises hot
// functions again with TurboFan in the background. For verovio's 11.5 MB binary that optimisation costs far more
// memory than it gives back in speed, while the MP3 encoder's small binary is over twice as fast optimised.
// Measured, 50 rounds of engraving a 16-bar tune plus encoding 30 s of MP3 in one thread: verovio optimised,
// peak RSS 291 MB, 44 ms per engraving; verovio on baseline code (compiled eagerly, 0.4 s more at start), 183 MB
// and 52 ms; the encoder 43 ms either way, against 105 ms when it too is kept on baseline code.
// V8 flags are process-wide, but a function keeps the tiering it was compiled with: so verovio is compiled
// eagerly while --liftoff-only is set, and the flags go back to their defaults for everything compiled later.
//
// Plain JavaScript because the engraver worker, which runs without tsx, uses it.

import { setFlagsFromString } from 'node:v8';

let everywhere = process.execArgv.includes('--liftoff-only');

/**
 * Puts all WebAssembly of this process on the baseline compiler from now on: right for a process that makes one
 * tune and exits (`folkbot compose`), which otherwise spends CPU on background optimisation and waits for it at exit.
 */
export function useBaselineWasmEverywhere() {
  setFlagsFromString('--liftoff-only');
  everywhere = true;
}

/** Whether this thread put the process on baseline WebAssembly (or node was started with --liftoff-only). */
export function baselineWasmEverywhere() {
  return everywhere;
}

/**
 * Compiles a WebAssembly binary for the baseline compiler only. With `restore`, the process goes back to V8's
 * default tiering right after, for the modules compiled later; then every function of this binary is compiled
 * now (eagerly: a function compiled lazily on its first call, once the flags are back, would tier up after all).
 * Without `restore` (a process on baseline WebAssembly throughout) the flag stays and compilation stays lazy.
 */
export function compileOnBaseline(bytes, restore) {
  if (!restore) {
    setFlagsFromString('--liftoff-only');
    return new WebAssembly.Module(bytes);
  }
  setFlagsFromString('--liftoff-only --no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    // Back to V8's defaults (--liftoff-only had also switched tier-up off, a flag implication).
    setFlagsFromString('--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering --wasm-lazy-compilation');
  }
}
