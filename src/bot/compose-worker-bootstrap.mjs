// Entry of a compose worker thread. A worker does not inherit the loader hooks that tsx registered in the
// main thread (neither through `node --import tsx` nor through tsx's API in bin/folkbot.js), so it registers
// tsx itself before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./compose-worker.ts');
