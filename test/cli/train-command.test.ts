// `folkbot train` as a user runs it: an earlier run is never overwritten without a word, the model is named
// after its folder (or --name), and the terminal output puts readable log lines above the progress bar.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { overallEtaSeconds, TrainProgress } from '../../src/cli/train-progress.js';
import { modelNameFromFolder } from '../../src/model/folder/model-folder.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = mkdtempSync(path.join(tmpdir(), 'folkbot-train-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
// A corpus big enough for a training and a validation split: copies of the public-domain kern fixtures.
const corpus = path.join(root, 'corpus');
mkdirSync(corpus);
for (const name of readdirSync(path.join(repoRoot, 'test/fixtures/kern'))) {
  for (let copy = 0; copy < 12; copy++) copyFileSync(path.join(repoRoot, 'test/fixtures/kern', name), path.join(corpus, `${copy}-${name}`));
}

function train(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const tiny = ['--data', corpus, '--hidden-size', '8', '--epochs', '1', '--batch-size', '4', '--no-progress'];
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/folkbot.js'), 'train', ...tiny, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('folkbot train', () => {
  it('refuses --balance-styles for a preset whose songs carry no style, and a count that is not a whole number', () => {
    const out = path.join(root, 'balance');
    const plain = train(['--out', out, '--balance-styles', '500']);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /--balance-styles needs a preset whose songs carry their style \(styles, styles-input\), not default/);
    const bad = train(['--out', out, '--preset', 'styles', '--balance-styles', '1.5']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--balance-styles must be a whole number of songs \(0 for none\), got "1.5"/);
  });

  it('refuses an --out folder that holds a run unless --resume or --force, and names the model after its folder', () => {
    const out = path.join(root, 'kinder');
    mkdirSync(out);
    writeFileSync(path.join(out, 'report.json'), '{"earlier":true}');
    const refused = train(['--out', out]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /kinder already holds a training run \(report\.json\): give --resume to continue it, --force to replace it/);
    assert.equal(readFileSync(path.join(out, 'report.json'), 'utf8'), '{"earlier":true}', 'the earlier run is untouched');
    assert.match(train(['--out', out, '--resume', '--force']).stderr, /either --resume .* or --force/);

    const forced = train(['--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    const metadata = JSON.parse(readFileSync(path.join(out, 'model/folkbot-model.json'), 'utf8')) as { name: string };
    assert.equal(metadata.name, 'kinder');
    assert.doesNotMatch(readFileSync(path.join(out, 'report.json'), 'utf8'), /earlier/);

    const named = train(['--out', path.join(root, 'other'), '--name', 'ballads v2']);
    assert.equal(named.code, 0, named.stderr);
    assert.equal((JSON.parse(readFileSync(path.join(root, 'other/model/folkbot-model.json'), 'utf8')) as { name: string }).name, 'ballads v2');
    assert.match(train(['--out', path.join(root, 'third'), '--name', '']).stderr, /--name: a model name is 1 to 64 printable characters/);
  });

  it('takes a model name from the folder, or the run folder for its model/', () => {
    assert.equal(modelNameFromFolder('runs/ballad/model'), 'ballad');
    assert.equal(modelNameFromFolder('models/default'), 'default');
    assert.equal(modelNameFromFolder('/tmp/x/'), 'x');
  });
});

describe('training progress at a terminal', () => {
  const batch = (epoch: number, batchNo: number, eta: number) =>
    ({ kind: 'batch', epoch, epochs: 10, batch: batchNo, batches: 100, loss: 2.5, accuracy: 0.4, targetsPerSecond: 8000, elapsedSeconds: 30, epochEtaSeconds: eta }) as const;

  it('estimates the whole run: this epoch, then the rest at the same speed, capped by the time limit', () => {
    // 50 batches left at 1 s each, then 8 more epochs of 100 batches.
    assert.equal(overallEtaSeconds(batch(2, 50, 50), 1), 50 + 800);
    assert.equal(overallEtaSeconds(batch(10, 50, 50), 1), 50);
    assert.equal(overallEtaSeconds(batch(2, 50, 50), 1, 120), 120);
  });

  it('prints log lines above the bar in human form, the interrupt message among them, and both ETAs on the bar', () => {
    let output = '';
    const stream = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          output += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 200 },
    );
    const progress = new TrainProgress({ stream });
    progress.batch(batch(1, 10, 90));
    progress.log.warn('interrupt: saving a checkpoint after this batch (Ctrl-C again to quit at once)');
    progress.batch(batch(1, 11, 89));
    progress.stop();
    progress.log.info({ epoch: 1 }, 'epoch done');
    const text = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g'), '');
    assert.match(text, /WARN: interrupt: saving a checkpoint after this batch/);
    assert.match(text, /INFO: epoch done \{"epoch":1\}/);
    assert.doesNotMatch(text, /"level":/, 'no raw JSON records');
    assert.match(text, /epoch 1\/10 \|.*\| 11\/100 loss 2\.500 .* ETA epoch 1m29s all 16m29s/);
    // The warning stands on a line of its own, not inside the bar's line.
    const line = text.split(/[\r\n]/).find((l) => l.includes('interrupt:'))!;
    assert.doesNotMatch(line, /\|/);
  });
});
