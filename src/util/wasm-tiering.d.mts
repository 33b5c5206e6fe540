// Types of wasm-tiering.mjs (plain JavaScript, also run by the engraver worker without tsx).

/** A compiled WebAssembly.Module (the project's TypeScript libs do not include the WebAssembly types). */
export interface CompiledWasm {
  readonly kind?: 'module';
}

/** Puts the process's WebAssembly on V8's baseline compiler (Liftoff) from now on. */
export function useBaselineWasmEverywhere(): void;

/** Whether the process is on baseline WebAssembly. */
export function baselineWasmEverywhere(): boolean;

/** Compiles hot kernels fully optimised, now; call at start-up before other threads compile WebAssembly. */
export function precompileKernels(binaries: Readonly<Record<string, Uint8Array>>): Record<string, CompiledWasm>;

/** Makes kernels precompiled in another thread (passed in workerData) available here. */
export function adoptKernels(modules: Readonly<Record<string, CompiledWasm>> | undefined): void;

/** The precompiled (or adopted) kernel of that name, else `bytes()` compiled here the ordinary way. */
export function kernelModule(name: string, bytes: () => Uint8Array): CompiledWasm;

/** Compiles a large binary for the baseline compiler only, whatever the process's tiering. */
export function compileOnBaseline(bytes: Uint8Array): CompiledWasm;
