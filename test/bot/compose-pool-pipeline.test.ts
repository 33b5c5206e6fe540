// The compose pool's pipelining (pipelineDepth): a worker holds up to that many jobs at once, and none of them is
// lost when the worker crashes, hangs or is replaced. On the fake compose service, whose composing waits on timers,
// so that two jobs in one worker overlap the way a real tune's audio overlaps the previous tune's engraving.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ComposePool } from '../../src/bot/compose-pool.js';
import { resolveComposeOptions } from '../../src/compose/compose-options.js';
import { SLOW_MS, SLOW_TEMPO } from './fake-compose-service.js';
import { FAKE_SERVICE, writeFakeModel } from './harness.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** A fake model folder whose every compose takes at least `composeMs`. */
async function fakeModel(composeMs = 0): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'folkbot-pipeline-'));
  roots.push(root);
  await writeFakeModel(root, JSON.stringify({ name: 'fake', composeMs }));
  return root;
}

const request = (randomSeed: number, slow = false) => resolveComposeOptions({ bars: 4, randomSeed, ...(slow ? { tempo: SLOW_TEMPO } : {}) });

/** The pool's workers (private): the tests break them on purpose. */
function workersOf(pool: ComposePool): { worker: { terminate(): Promise<number> }; jobs: unknown[] }[] {
  return (pool as unknown as { workers: { worker: { terminate(): Promise<number> }; jobs: unknown[] }[] }).workers;
}

test('with depth 2 one worker holds two jobs at once; a third waits', { timeout: 30_000 }, async () => {
  const pool = await ComposePool.start({ serviceModule: FAKE_SERVICE, modelDir: await fakeModel(), size: 1, queueLimit: 5, pipelineDepth: 2 });
  try {
    const started = performance.now();
    const jobs = [pool.compose(request(1, true)), pool.compose(request(2, true)), pool.compose(request(3, true))];
    assert.deepEqual({ running: pool.status().running, waiting: pool.status().waiting }, { running: 2, waiting: 1 });
    await Promise.all(jobs.slice(0, 2));
    // The two slow composes overlapped in the one worker: about one SLOW_MS, not two.
    const firstTwo = performance.now() - started;
    assert.ok(firstTwo < SLOW_MS * 1.8, `two jobs in one worker took ${firstTwo.toFixed(0)} ms, against ${SLOW_MS} ms for one`);
    await jobs[2];
    assert.deepEqual({ running: pool.status().running, waiting: pool.status().waiting }, { running: 0, waiting: 0 });
  } finally {
    await pool.close(5_000);
  }
});

test('with depth 1 (the default without a shared engraver) a worker takes one job at a time', { timeout: 30_000 }, async () => {
  const pool = await ComposePool.start({ serviceModule: FAKE_SERVICE, modelDir: await fakeModel(), size: 1, queueLimit: 5 });
  try {
    const jobs = [pool.compose(request(1, true)), pool.compose(request(2, true))];
    assert.deepEqual({ running: pool.status().running, waiting: pool.status().waiting }, { running: 1, waiting: 1 });
    await Promise.all(jobs);
  } finally {
    await pool.close(5_000);
  }
});

test('a worker that dies fails every job it held with a clear error, and the pool goes on', { timeout: 30_000 }, async () => {
  const pool = await ComposePool.start({ serviceModule: FAKE_SERVICE, modelDir: await fakeModel(), size: 1, queueLimit: 5, pipelineDepth: 2 });
  try {
    const held = [pool.compose(request(1, true)), pool.compose(request(2, true))];
    const waiting = pool.compose(request(3));
    await workersOf(pool)[0]!.worker.terminate();
    for (const outcome of await Promise.allSettled(held)) {
      assert.equal(outcome.status, 'rejected');
      assert.match(String((outcome as PromiseRejectedResult).reason), /the compose worker failed/);
    }
    // The job that was waiting runs on the worker that replaced it.
    const result = await waiting;
    assert.ok(result.files.midi.length > 0);
  } finally {
    await pool.close(5_000);
  }
});

test('a job held behind one that hangs is composed again on the fresh worker, not lost', { timeout: 30_000 }, async () => {
  // Every compose takes 400 ms, the slow one 400 ms + SLOW_MS: past the 1 s limit.
  const pool = await ComposePool.start({ serviceModule: FAKE_SERVICE, modelDir: await fakeModel(400), size: 1, queueLimit: 5, pipelineDepth: 2, jobTimeoutMs: 1_000 });
  try {
    const hung = pool.compose(request(1, true));
    await new Promise((resolve) => setTimeout(resolve, 700));
    // Sent at 0.7 s, due at 1.1 s: still in the worker when the hung job is stopped at 1 s.
    const behind = pool.compose(request(2));
    await assert.rejects(hung, /composing took longer than 1 s and was stopped/);
    const result = await behind;
    assert.equal(result.options.randomSeed, 2);
    assert.deepEqual({ running: pool.status().running, waiting: pool.status().waiting }, { running: 0, waiting: 0 });
  } finally {
    await pool.close(5_000);
  }
});

test('a pipeline depth that is not a whole number of at least 1 is refused', { timeout: 30_000 }, async () => {
  await assert.rejects(
    ComposePool.start({ serviceModule: FAKE_SERVICE, modelDir: await fakeModel(), size: 1, queueLimit: 5, pipelineDepth: 0 }),
    /pipeline depth is a whole number of at least 1, got 0/,
  );
});
