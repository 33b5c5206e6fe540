// Entry of a training worker thread (train-replicas.ts). In a compiled tree (dist/, see bin/compile.mjs)
// train-worker.js sits beside this file and runs as it is; from the TypeScript sources it registers tsx first,
// because a worker does not inherit the loader hooks tsx registered in the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('./train-worker.js', import.meta.url));
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(existsSync(compiled) ? './train-worker.js' : './train-worker.ts');
