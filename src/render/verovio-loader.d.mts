// Types of verovio-loader.mjs (plain JavaScript, run by the engraver worker without tsx).

import type { CompiledWasm } from '../util/wasm-tiering.mjs';

/** verovio's Emscripten module, as VerovioToolkit takes it. */
export type VerovioModule = object;

export interface CreatedVerovioModule {
  readonly module: VerovioModule;
  /** 'cache': the unpacked files served; 'unpacked': the package's module served and the cache was written; 'package': no cache. */
  readonly source: 'cache' | 'unpacked' | 'package';
  /** Why there is no cache when source is 'package'; null otherwise. */
  readonly note: string | null;
}

/** The module text with the embedded binary literal cut out, or null when the file does not have that shape. */
export function patchedModule(originalBytes: Buffer): Buffer | null;

export function createVerovioHumModule(options?: {
  readonly cacheRoot?: string;
  /** Compiles the binary (default: verovio's own WebAssembly.instantiate of the bytes). */
  readonly compile?: ((bytes: Uint8Array) => CompiledWasm) | null;
}): Promise<CreatedVerovioModule>;

/** Unpacks the cache now; returns a line saying what happened. */
export function prepareVerovioCache(): Promise<string>;
