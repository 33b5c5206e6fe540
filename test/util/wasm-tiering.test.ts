import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tiering = pathToFileURL(new URL('../../src/util/wasm-tiering.mjs', import.meta.url).pathname).href;

/**
 * Runs `body` as an ES module in a fresh Node process (the flags these functions switch are process-wide) with
 * V8's natives syntax, and returns what it printed as JSON. `tier(f)` in the body says which compiler made the
 * wasm function f; `module(k)` is a one-function module returning k (distinct k: distinct binaries, since V8
 * reuses the compiled code of identical ones).
 */
async function probe(body: string): Promise<unknown> {
  const code = `
    import { Worker } from 'node:worker_threads';
    import * as tiering from '${tiering}';
    const module = (k) => new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,127,3,2,1,0,7,5,1,1,102,0,0,10,6,1,4,0,65,k,11]);
    const tier = (f) => (f(), %IsTurboFanFunction(f) ? 'optimised' : %IsLiftoffFunction(f) ? 'baseline' : 'other');
    const fn = (compiled) => new WebAssembly.Instance(compiled).exports.f;
    ${body}
  `;
  const { stdout } = await run(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', code]);
  return JSON.parse(stdout);
}

describe('wasm tiering', () => {
  it('on baseline everywhere, precompiled kernels are optimised and everything else stays on baseline code', async () => {
    const result = await probe(`
      tiering.useBaselineWasmEverywhere();
      const before = tier(fn(new WebAssembly.Module(module(40))));
      tiering.precompileKernels({ hot: module(41) });
      const hot = tier(fn(tiering.kernelModule('hot', () => { throw new Error('must not compile again'); })));
      const cold = tier(fn(tiering.kernelModule('cold', () => module(42))));
      const after = tier(fn(new WebAssembly.Module(module(43))));
      console.log(JSON.stringify({ everywhere: tiering.baselineWasmEverywhere(), before, hot, cold, after }));
    `);
    assert.deepEqual(result, { everywhere: true, before: 'baseline', hot: 'optimised', cold: 'baseline', after: 'baseline' });
  });

  it('a worker thread adopts the kernels compiled in the main thread, and knows the process is on baseline', async () => {
    const result = await probe(`
      tiering.useBaselineWasmEverywhere();
      const kernels = tiering.precompileKernels({ hot: module(50) });
      const worker = new Worker(\`
        import { parentPort, workerData } from 'node:worker_threads';
        import * as tiering from '${tiering}';
        tiering.adoptKernels(workerData);
        const f = new WebAssembly.Instance(tiering.kernelModule('hot', () => { throw new Error('compiled again'); })).exports.f;
        f();
        parentPort.postMessage({ value: f(), optimised: %IsTurboFanFunction(f), everywhere: tiering.baselineWasmEverywhere() });
      \`, { eval: true, workerData: kernels });
      const reply = await new Promise((resolve) => worker.once('message', resolve));
      await worker.terminate();
      console.log(JSON.stringify(reply));
    `);
    assert.deepEqual(result, { value: 50, optimised: true, everywhere: true });
  });

  it('in a process with default tiering, compileOnBaseline still gives baseline code and leaves the defaults on', async () => {
    const result = await probe(`
      const engraver = tier(fn(tiering.compileOnBaseline(module(60))));
      console.log(JSON.stringify({ everywhere: tiering.baselineWasmEverywhere(), engraver }));
    `);
    assert.deepEqual(result, { everywhere: false, engraver: 'baseline' });
  });
});
