// A training worker thread: its own TensorFlow.js (and its own wasm instance, single-threaded under Node) running
// one Replica. Requests come by message; gradients go into shared memory, the rest of each reply by message.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../network/backend.js';
import { Replica, type ReplicaInit, type ReplicaRequest } from './train-replica.js';

export interface TrainWorkerData {
  readonly backend: string;
  readonly init: ReplicaInit;
  /** Tests only: the worker exits with code 3 when asked for this step (1-based), as if it had crashed. */
  readonly exitAtStep?: number;
}

export type TrainWorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reply'; readonly reply: import('./train-replica.js').ReplicaReply }
  | { readonly kind: 'failed'; readonly message: string };

const port = parentPort;
if (!port) throw new Error('train-worker.ts runs only as a worker thread');
const data = workerData as TrainWorkerData;
const post = (message: TrainWorkerMessage): void => port.postMessage(message);
try {
  await initBackend(data.backend);
  const replica = new Replica(data.init);
  let steps = 0;
  port.on('message', (request: ReplicaRequest) => {
    if (request.kind === 'step' && ++steps === data.exitAtStep) process.exit(3);
    try {
      post({ kind: 'reply', reply: replica.handle(request) });
    } catch (error) {
      post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}
