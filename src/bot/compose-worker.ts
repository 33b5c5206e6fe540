// One compose worker thread: loads the compose service module named by the pool, then serves compose and
// reload requests one message at a time. Errors travel back as plain data (see SerializedError).
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { useOpusLock } from '../render/ogg-opus.js';
import { useScoreEngraver } from '../render/score.js';
import { adoptKernels } from '../util/wasm-tiering.mjs';
import type { ComposeService, ComposeServiceModule } from './compose-service.js';
import { serializeError } from './compose-service.js';
import type { WorkerRequest, WorkerReply, ComposeWorkerData } from './compose-pool.js';

const port = parentPort;
if (!port) throw new Error('compose-worker.ts must run in a worker thread');
const data = workerData as ComposeWorkerData;

function send(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(reply, transfer);
}

async function main(): Promise<void> {
  // Scores go to the pool's shared engraver, when it has one, before the service (which warms it up) loads; and
  // the kernels the pool compiled optimised replace this thread's own compiles.
  if (data.engraver) useScoreEngraver(data.engraver.port, data.engraver.info);
  adoptKernels(data.kernels);
  if (data.opusLock) useOpusLock(data.opusLock);
  const moduleUrl = data.serviceModule.startsWith('file:') ? data.serviceModule : pathToFileURL(data.serviceModule).href;
  const serviceModule = (await import(moduleUrl)) as ComposeServiceModule;
  let service: ComposeService;
  try {
    service = await serviceModule.createComposeService(data.modelDir, data.settings ?? { audio: 'mp3' });
  } catch (error) {
    send({ type: 'init-error', error: serializeError(error) });
    return;
  }
  send({ type: 'ready', info: service.modelInfo() });
  port?.on('message', (request: WorkerRequest) => {
    if (request.type === 'engraver') {
      useScoreEngraver(request.port, request.info);
      return;
    }
    void (async () => {
      try {
        if (request.type === 'compose') {
          const result = await service.compose(request.options);
          send({ type: 'result', id: request.id, result });
        } else {
          const info = await service.reload(request.dir);
          send({ type: 'reloaded', id: request.id, info });
        }
      } catch (error) {
        send({ type: 'error', id: request.id, error: serializeError(error) });
      }
    })();
  });
}

main().catch((error: unknown) => send({ type: 'init-error', error: serializeError(error) }));
