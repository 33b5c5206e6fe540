// A minor garbage collection on request, for threads that make large short-lived buffers tune after tune.
//
// Node hands ArrayBuffers to V8 as external memory, and V8 collects them only after tens of megabytes have
// piled up: a thread that makes a 3 MB pixel array or a few hundred KB of files per tune held that much garbage
// during a burst, in every thread. A minor collection (a scavenge of the young generation, 1-3 ms) right after a
// tune frees the tune's buffers at once. V8 offers gc() only behind the --expose-gc flag; this sets it (process-
// wide; it also puts gc() into contexts created later, which is harmless) and takes gc() from a new context.
//
// Plain JavaScript because the engraver worker, which runs without a TypeScript loader, uses it too.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc = null;

/** Runs a minor (young generation) garbage collection in this thread. */
export function collectYoungGarbage() {
  if (gc === null) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  }
  gc({ type: 'minor' });
}
