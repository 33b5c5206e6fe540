// Types of wasm-tiering.mjs (plain JavaScript, also run by the engraver worker without tsx).

/** A compiled WebAssembly.Module (the project's TypeScript libs do not include the WebAssembly types). */
export interface CompiledWasm {
  readonly kind?: 'module';
}

/** Puts the process's WebAssembly on V8's baseline compiler (Liftoff) from now on. */
export function useBaselineWasmEverywhere(): void;

/** Whether the process is on baseline WebAssembly. */
export function baselineWasmEverywhere(): boolean;

/** Compiles a small, hot binary fully optimised (on baseline everywhere) or normally (otherwise). */
export function compileOptimized(bytes: Uint8Array): CompiledWasm;

/** Compiles a large binary for the baseline compiler only, whatever the process's tiering. */
export function compileOnBaseline(bytes: Uint8Array): CompiledWasm;
