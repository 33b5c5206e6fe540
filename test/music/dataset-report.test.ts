import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDatasetReport, formatDatasetReport, quarterFraction, type ParseOutcome } from '../../src/music/dataset-report.js';
import { DROP_REASONS } from '../../src/music/filter.js';
import { parseKern } from '../../src/music/kern-parse.js';
import { command } from '../../src/cli/commands/dataset.js';
import { UsageError } from '../../src/cli/command.js';
import { fixture } from './paths.js';

const read = (name: string): ParseOutcome => ({ file: name, melody: parseKern(fixture(name).text, name) });
const outcomes: ParseOutcome[] = [
  read('twinkle.krn'),
  read('ode-to-joy.krn'),
  read('pickup-mixed.krn'),
  { file: 'bad.krn', failure: { reason: 'chord', message: 'bad.krn:3: chord in token "4c 4e": ...' } },
];

describe('buildDatasetReport', () => {
  it('counts files, failures, kept and dropped songs and what the kept songs hold', () => {
    const report = buildDatasetReport(outcomes, 'reference');
    assert.equal(report.files, 4);
    assert.equal(report.parsed, 3);
    assert.equal(report.failed, 1);
    assert.deepEqual(report.failedByReason, [{ name: 'chord', count: 1 }]);
    assert.equal(report.kept, 2);
    assert.deepEqual(report.droppedByReason, [{ name: DROP_REASONS.referenceDuration, count: 1 }]);
    assert.equal(report.notes, 14 + 21);
    assert.equal(report.rests, 0);
    assert.deepEqual(report.pitchRange, { lowest: 60, highest: 69 });
    assert.deepEqual(report.modes, [{ name: 'major', count: 2 }]);
    assert.deepEqual(report.meters, [{ name: '4/4', count: 2 }]);
    assert.deepEqual(report.durations, [
      { name: '1', count: 28 },
      { name: '2', count: 5 },
      { name: '1/2', count: 1 },
      { name: '3/2', count: 1 },
    ]);
  });

  it('under the default filter keeps the tune with triplets, grace note and free meter at its end', () => {
    const report = buildDatasetReport(outcomes, 'default');
    assert.equal(report.kept, 3);
    assert.equal(report.graceNotes, 1);
    assert.equal(report.rests, 1);
    assert.deepEqual(report.meters.find((m) => m.name === 'free'), { name: 'free', count: 1 });
    assert.deepEqual(report.durations.find((d) => d.name === '1/3'), { name: '1/3', count: 3 });
    assert.deepEqual(report.keySources, [{ name: 'file', count: 2 }, { name: 'estimated', count: 1 }]);
    const text = formatDatasetReport(report);
    assert.match(text, /^files {5}4$/m);
    assert.match(text, /^parsed {4}3 {2}\(75\.0%\)$/m);
    assert.match(text, /chord +1 {2}25\.0%/);
    assert.match(text, /bad\.krn:3: chord/);
    assert.match(text, /^kept {6}3 {2}\(100\.0% of parsed songs\)$/m);
    assert.match(text, /pitch range {2}MIDI 60\.\.72 \(C4\.\.C5\)/);
  });

  it('writes lengths as fractions of a quarter note', () => {
    assert.deepEqual([960, 480, 1440, 320, 2560, 3840, 0].map(quarterFraction), ['1', '1/2', '3/2', '1/3', '8/3', '4', '0']);
  });
});

describe('folkbot dataset', () => {
  const folder = mkdtempSync(join(tmpdir(), 'folkbot-dataset-'));
  mkdirSync(join(folder, 'sub'));
  writeFileSync(join(folder, 'twinkle.krn'), fixture('twinkle.krn').text);
  writeFileSync(join(folder, 'sub', 'mixed.krn'), fixture('pickup-mixed.krn').text);
  writeFileSync(join(folder, 'sub', 'chord.krn'), '**kern\n4c 4e\n*-\n');
  writeFileSync(join(folder, 'notes.txt'), 'not a kern file');
  after(() => rmSync(folder, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ code: number; output: string }> {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      return { code: await command.run(args), output: chunks.join('') };
    } finally {
      process.stdout.write = write;
    }
  }

  it('prints the report as JSON, walking subfolders for .krn files only', async () => {
    const { code, output } = await run(['--data', folder, '--json', '--filter', 'reference']);
    assert.equal(code, 0);
    const report = JSON.parse(output) as { files: number; parsed: number; kept: number; failures: { message: string }[] };
    assert.equal(report.files, 3);
    assert.equal(report.parsed, 2);
    assert.equal(report.kept, 1);
    assert.match(report.failures[0]?.message ?? '', /chord\.krn:2: chord in token "4c 4e"/);
  });

  it('prints text by default', async () => {
    const { output } = await run(['--data', folder]);
    assert.match(output, /^files {5}3$/m);
    assert.match(output, /^filter {4}default$/m);
  });

  it('rejects bad options with a UsageError', async () => {
    await assert.rejects(run([]), (e: unknown) => e instanceof UsageError && /--data DIR is required/.test(e.message));
    await assert.rejects(run(['--data', join(folder, 'nope')]), (e: unknown) => e instanceof UsageError && /no such folder/.test(e.message));
    await assert.rejects(run(['--data', folder, '--filter', 'all']), (e: unknown) => e instanceof UsageError && /default, reference/.test(e.message));
    await assert.rejects(run(['--data', folder, '--frobnicate']), (e: unknown) => e instanceof UsageError);
  });
});
