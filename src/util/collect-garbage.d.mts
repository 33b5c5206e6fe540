// Types of collect-garbage.mjs (plain JavaScript, also run by the engraver worker without a TypeScript loader).

/** Runs a minor (young generation) garbage collection in this thread. */
export function collectYoungGarbage(): void;
