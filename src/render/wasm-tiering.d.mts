// Types of wasm-tiering.mjs (plain JavaScript, also run by the engraver worker without tsx).

/** Puts all WebAssembly of this process on V8's baseline compiler (Liftoff) from now on. */
export function useBaselineWasmEverywhere(): void;

/** Whether this thread put the process on baseline WebAssembly (or node was started with --liftoff-only). */
export function baselineWasmEverywhere(): boolean;

/** Compiles a binary for the baseline compiler only; with `restore`, optimisation is switched back on after. */
export function compileOnBaseline(bytes: Uint8Array, restore: boolean): WebAssembly.Module;
