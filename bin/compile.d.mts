// Types of compile.mjs (plain JavaScript: it runs before any TypeScript loader).

export interface CompiledSources {
  /** The compiled src/ folder, or null when it could not be built. */
  readonly dir: string | null;
  /** Whether this call built it (false: an up-to-date build was there, or it failed). */
  readonly built: boolean;
  /** Why it could not be built; null when it was. */
  readonly reason: string | null;
}

export function compiledSources(options?: { readonly root?: string; readonly distDir?: string }): Promise<CompiledSources>;
