import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MPEGDecoder } from 'mpg123-decoder';
import { prepareAudioEncoder, renderAudio } from '../../src/render/audio.js';
import { performanceFromMelody, type Performance } from '../../src/render/performance.js';
import { RenderError } from '../../src/render/render-error.js';
import { TAIL_SECONDS } from '../../src/render/synth.js';
import { AMAZING_GRACE, AMAZING_GRACE_QUARTERS } from '../fixtures/amazing-grace.js';

const BPM = 100;
/** Pickup + 16 bars of 3/4 at 100 quarters per minute: 29.4 s. */
const TUNE_SECONDS = (AMAZING_GRACE_QUARTERS * 60) / BPM;

async function decodeMp3(data: Uint8Array): Promise<{ samples: Float32Array; sampleRate: number }> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const decoded = decoder.decode(data);
    assert.deepEqual(decoded.errors, [], 'the MP3 decodes without errors');
    const samples = decoded.channelData[0];
    assert.ok(samples, 'decoded audio has a channel');
    return { samples: samples.subarray(0, decoded.samplesDecoded), sampleRate: decoded.sampleRate };
  } finally {
    decoder.free();
  }
}

function rms(samples: Float32Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

describe('renderAudio (built-in synthesizer, MP3)', () => {
  let flute: Performance;
  before(async () => {
    flute = performanceFromMelody(AMAZING_GRACE, { bpm: BPM, program: 73 });
    await prepareAudioEncoder();
  });

  it('encodes a 16-bar tune as a small MP3 that decodes to the tune length and is not silent', async () => {
    const audio = await renderAudio(flute);
    assert.equal(audio.format, 'mp3');
    assert.equal(audio.mimeType, 'audio/mpeg');
    // Variable bitrate with a Xing header (frame count for players' duration display).
    // MPEG-2 (22.05 kHz) mono: 4-byte header + 9 bytes of side information.
    assert.equal(new TextDecoder().decode(audio.data.subarray(13, 17)), 'Xing');
    assert.ok(audio.data.length < 400 * 1024, `MP3 is ${audio.data.length} bytes, should be under 400 KB`);
    assert.ok(Math.abs(audio.durationSeconds - (TUNE_SECONDS + TAIL_SECONDS)) < 0.01);

    const { samples, sampleRate } = await decodeMp3(audio.data);
    assert.equal(sampleRate, 22050);
    const decodedSeconds = samples.length / sampleRate;
    assert.ok(
      Math.abs(decodedSeconds - (TUNE_SECONDS + TAIL_SECONDS)) < 0.1,
      `decoded ${decodedSeconds.toFixed(3)} s, expected ${(TUNE_SECONDS + TAIL_SECONDS).toFixed(3)} s`,
    );
    const level = rms(samples, 0, Math.round(TUNE_SECONDS * sampleRate));
    assert.ok(level > 0.05 && level < 0.3, `music RMS ${level.toFixed(3)} should be a normal loudness`);
    const peak = samples.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    assert.ok(peak <= 1, `peak ${peak} must not clip`);
  });

  it('keeps rests silent: the closing rest is quiet once the last note has died away', async () => {
    // The tune ends with a 1-beat rest after the last note (0.6 s); allow 0.3 s for release and reverb.
    const audio = await renderAudio(performanceFromMelody(AMAZING_GRACE, { bpm: BPM, program: 24 }));
    const { samples, sampleRate } = await decodeMp3(audio.data);
    const music = rms(samples, 0, Math.round((TUNE_SECONDS - 0.6) * sampleRate));
    const rest = rms(samples, Math.round((TUNE_SECONDS - 0.3) * sampleRate), Math.round(TUNE_SECONDS * sampleRate));
    assert.ok(rest < music / 20, `rest RMS ${rest.toExponential(2)} vs music RMS ${music.toExponential(2)}`);
  });

  it('writes Ogg Vorbis on request', async () => {
    const audio = await renderAudio(flute, { format: 'ogg' });
    assert.equal(audio.mimeType, 'audio/ogg');
    assert.equal(new TextDecoder().decode(audio.data.subarray(0, 4)), 'OggS');
    assert.ok(audio.data.length > 10_000 && audio.data.length < 400 * 1024, `Ogg is ${audio.data.length} bytes`);
  });

  it('encodes at 48 kHz and a constant bitrate on request', async () => {
    const short: Performance = { program: 73, notes: [{ pitch: 69, start: 0, duration: 0.5 }] };
    const audio = await renderAudio(short, { sampleRate: 48000, bitrate: 96 });
    // CBR: every frame 96 kbit/s, no Xing frame needed (players compute the duration from the size).
    assert.equal((audio.data[2] ?? 0) >> 4, 7, 'bitrate index 7 = 96 kbit/s');
    assert.ok(Math.abs(audio.data.length - (96000 / 8) * audio.durationSeconds) < 1500);
    const { samples, sampleRate } = await decodeMp3(audio.data);
    assert.equal(sampleRate, 48000);
    assert.ok(Math.abs(samples.length / sampleRate - (0.5 + TAIL_SECONDS)) < 0.1);
  });

  it('is deterministic: the same performance gives the same bytes', async () => {
    const first = await renderAudio(flute);
    const second = await renderAudio(flute);
    assert.deepEqual(first.data, second.data);
  });

  it('rejects unplayable notes and bad options with typed errors', async () => {
    const cases: [Performance, object, RegExp, string][] = [
      [{ program: 73, notes: [] }, {}, /no notes/, 'notes'],
      [{ program: 73, notes: [{ pitch: 130, start: 0, duration: 1 }] }, {}, /note 1 of 1: pitch must be a MIDI note number 0..127, got 130/, 'notes'],
      [{ program: 73, notes: [{ pitch: 60, start: -1, duration: 1 }] }, {}, /start must be/, 'notes'],
      [{ program: 73, notes: [{ pitch: 60, start: 0, duration: 0 }] }, {}, /duration must be/, 'notes'],
      [{ program: 200, notes: [{ pitch: 60, start: 0, duration: 1 }] }, {}, /program must be a whole number 0..127, got 200/, 'option'],
      [{ program: 73, notes: [{ pitch: 60, start: 0, duration: 1 }] }, { sampleRate: 32000 }, /sample rate must be one of 22050, 24000, 44100, 48000/, 'option'],
      [{ program: 73, notes: [{ pitch: 60, start: 0, duration: 1 }] }, { bitrate: 100 }, /bitrate must be one of/, 'option'],
    ];
    for (const [performance, options, message, kind] of cases) {
      await assert.rejects(renderAudio(performance, options), (error: unknown) => {
        assert.ok(error instanceof RenderError, String(error));
        assert.equal(error.kind, kind);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});
