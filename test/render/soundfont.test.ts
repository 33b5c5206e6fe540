import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MPEGDecoder } from 'mpg123-decoder';
import { renderAudio } from '../../src/render/audio.js';
import type { Performance } from '../../src/render/performance.js';
import { RenderError } from '../../src/render/render-error.js';
import { loadSoundFont } from '../../src/render/soundfont.js';
import { buildTinySoundFont } from './sf2-builder.js';

/** Upward zero crossings per second over [from, to) seconds: the frequency of a near-sine tone. */
function crossingsPerSecond(samples: Float32Array, rate: number, from: number, to: number): number {
  let count = 0;
  for (let i = Math.round(from * rate) + 1; i < Math.round(to * rate); i++) if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) count++;
  return count / (to - from);
}

describe('renderAudio with a SoundFont', () => {
  let directory: string;
  let bankPath: string;
  const twoNotes: Performance = {
    program: 0,
    notes: [
      { pitch: 69, start: 0, duration: 1 },
      { pitch: 57, start: 1, duration: 1 },
    ],
  };

  before(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'folkbot-sf2-'));
    bankPath = path.join(directory, 'tiny.sf2');
    await writeFile(bankPath, buildTinySoundFont(0));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads the hand-built SoundFont', async () => {
    const bank = await loadSoundFont(bankPath);
    assert.equal(bank.presets.length, 1);
    assert.equal(bank.presets[0]?.name, 'Test Tone');
    assert.equal(bank.samples[0]?.name, 'Tone');
  });

  it("plays the bank's sample at the notes' pitches, as an MP3", async () => {
    const audio = await renderAudio(twoNotes, { soundfontPath: bankPath });
    const decoder = new MPEGDecoder();
    await decoder.ready;
    const decoded = decoder.decode(audio.data);
    decoder.free();
    const samples = decoded.channelData[0] ?? new Float32Array();
    const rate = decoded.sampleRate;
    assert.ok(Math.abs(decoded.samplesDecoded / rate - audio.durationSeconds) < 0.1);
    // The sample is a 440 Hz tone rooted at A4 (69): A4 plays at 440 Hz, A3 (57) an octave lower.
    assert.ok(Math.abs(crossingsPerSecond(samples, rate, 0.2, 0.9) - 440) < 5);
    assert.ok(Math.abs(crossingsPerSecond(samples, rate, 1.2, 1.9) - 220) < 5);
    // And it is not the built-in synthesizer.
    const builtIn = await renderAudio(twoNotes);
    assert.notDeepEqual(audio.data, builtIn.data);
  });

  it('falls back to the nearest preset when the bank lacks the program', async () => {
    const audio = await renderAudio({ ...twoNotes, program: 73 }, { soundfontPath: bankPath });
    const decoder = new MPEGDecoder();
    await decoder.ready;
    const samples = decoder.decode(audio.data).channelData[0] ?? new Float32Array();
    decoder.free();
    const peak = samples.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    assert.ok(peak > 0.1, `peak ${peak}`);
  });

  it('reports a missing, a non-SoundFont and a corrupt file as soundfont errors', async () => {
    const notRiff = path.join(directory, 'notes.txt');
    await writeFile(notRiff, 'this is not a sound bank');
    const truncated = path.join(directory, 'truncated.sf2');
    await writeFile(truncated, buildTinySoundFont(0).subarray(0, 600));
    const cases: [string, RegExp][] = [
      [path.join(directory, 'absent.sf2'), /cannot read SoundFont .*absent\.sf2.*no such file/],
      [notRiff, /is not a SoundFont: expected a RIFF file/],
      [truncated, /corrupt or unsupported SoundFont/],
      [directory, /is not a file/],
    ];
    for (const [file, message] of cases) {
      await assert.rejects(renderAudio(twoNotes, { soundfontPath: file }), (error: unknown) => {
        assert.ok(error instanceof RenderError, String(error));
        assert.equal(error.kind, 'soundfont');
        assert.match(error.message, message);
        return true;
      });
    }
  });
});
