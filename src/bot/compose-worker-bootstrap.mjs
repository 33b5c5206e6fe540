// Entry of a compose worker thread. In a compiled tree (dist/, see bin/compile.mjs) compose-worker.js sits beside
// this file and runs as it is. Running from the TypeScript sources, it registers tsx first: a worker does not
// inherit the loader hooks tsx registered in the main thread (neither through `node --import tsx` nor through
// tsx's API). A compose service module written in TypeScript (FOLKBOT_COMPOSE_MODULE, e.g. a test fake) needs
// tsx too.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

const compiled = fileURLToPath(new URL('./compose-worker.js', import.meta.url));
if (!existsSync(compiled) || String(workerData?.serviceModule ?? '').endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(existsSync(compiled) ? './compose-worker.js' : './compose-worker.ts');
