import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { prepareAudioEncoder, renderAudio } from '../../src/render/audio.js';
import { performanceFromMelody, type Performance } from '../../src/render/performance.js';
import { RenderError } from '../../src/render/render-error.js';
import { TAIL_SECONDS } from '../../src/render/synth.js';
import { AMAZING_GRACE, AMAZING_GRACE_QUARTERS } from '../fixtures/amazing-grace.js';
import { buildTinySoundFont } from './sf2-builder.js';

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

async function decodeOpus(data: Uint8Array): Promise<{ samples: Float32Array; sampleRate: number; channels: number }> {
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  try {
    const decoded = await decoder.decodeFile(data);
    assert.deepEqual(decoded.errors, [], 'the Ogg Opus file decodes without errors');
    const samples = decoded.channelData[0];
    assert.ok(samples, 'decoded audio has a channel');
    return { samples: samples.subarray(0, decoded.samplesDecoded), sampleRate: decoded.sampleRate, channels: decoded.channelData.length };
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
    assert.equal(audio.fileExtension, 'mp3');
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
    assert.equal(audio.fileExtension, 'ogg');
    assert.equal(new TextDecoder().decode(audio.data.subarray(0, 4)), 'OggS');
    assert.equal(new TextDecoder().decode(audio.data.subarray(29, 35)), 'vorbis');
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

  it('gives each tune its own samples while renders reuse one buffer, one after another or at once', async () => {
    const short: Performance = { program: 73, notes: [{ pitch: 67, start: 0, duration: 0.5 }] };
    const long: Performance = { program: 73, notes: Array.from({ length: 12 }, (_, k) => ({ pitch: 60 + k, start: k * 0.4, duration: 0.4 })) };
    const first = await renderAudio(short, { format: 'opus' });
    const longOne = await renderAudio(long, { format: 'opus' });
    const again = await renderAudio(short, { format: 'opus' });
    assert.deepEqual(again.data, first.data, 'a shorter tune after a longer one sees none of it');
    const [both1, both2] = await Promise.all([renderAudio(long, { format: 'opus' }), renderAudio(short, { format: 'opus' })]);
    assert.deepEqual(both1.data, longOne.data);
    assert.deepEqual(both2.data, first.data);
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
      [{ program: 73, notes: [{ pitch: 60, start: 0, duration: 1 }] }, { format: 'flac' }, /audio format must be "mp3", "opus" or "ogg", got "flac"/, 'option'],
      [{ program: 73, notes: [{ pitch: 60, start: 0, duration: 1 }] }, { format: 'opus', sampleRate: 22050 }, /Opus audio takes a sample rate of 24000 or 48000, got 22050/, 'option'],
      [{ program: 73, notes: [{ pitch: 60, start: 0, duration: 1 }] }, { format: 'opus', sampleRate: 32000 }, /sample rate must be one of 22050, 24000, 44100, 48000/, 'option'],
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

describe('renderAudio (built-in synthesizer, Ogg Opus)', () => {
  let flute: Performance;
  before(async () => {
    flute = performanceFromMelody(AMAZING_GRACE, { bpm: BPM, program: 73 });
    await prepareAudioEncoder('opus');
  });

  it('encodes a 16-bar tune as a small Ogg Opus file at 24 kHz that decodes to the tune length', async () => {
    const audio = await renderAudio(flute, { format: 'opus' });
    assert.equal(audio.format, 'opus');
    assert.equal(audio.mimeType, 'audio/ogg');
    assert.equal(audio.fileExtension, 'ogg');
    assert.equal(new TextDecoder().decode(audio.data.subarray(0, 4)), 'OggS');
    assert.equal(new TextDecoder().decode(audio.data.subarray(28, 36)), 'OpusHead');
    const view = new DataView(audio.data.buffer, audio.data.byteOffset);
    assert.equal(view.getUint32(28 + 12, true), 24000, 'synthesized at 24 kHz');
    // 48 kbit/s: about 6 KB a second.
    assert.ok(audio.data.length > 100 * 1024 && audio.data.length < 300 * 1024, `Ogg Opus is ${audio.data.length} bytes`);
    assert.ok(Math.abs(audio.durationSeconds - (TUNE_SECONDS + TAIL_SECONDS)) < 0.01);

    const { samples, sampleRate, channels } = await decodeOpus(audio.data);
    assert.equal(channels, 1);
    assert.equal(sampleRate, 48000);
    const decodedSeconds = samples.length / sampleRate;
    assert.ok(
      Math.abs(decodedSeconds - audio.durationSeconds) < 0.001,
      `decoded ${decodedSeconds.toFixed(4)} s, expected ${audio.durationSeconds.toFixed(4)} s`,
    );
    const level = rms(samples, 0, Math.round(TUNE_SECONDS * sampleRate));
    assert.ok(level > 0.05 && level < 0.3, `music RMS ${level.toFixed(3)} should be a normal loudness`);
  });

  it('keeps rests silent and the level of the synthesized music', async () => {
    const guitar = performanceFromMelody(AMAZING_GRACE, { bpm: BPM, program: 24 });
    const audio = await renderAudio(guitar, { format: 'opus' });
    const { samples, sampleRate } = await decodeOpus(audio.data);
    const music = rms(samples, 0, Math.round((TUNE_SECONDS - 0.6) * sampleRate));
    const rest = rms(samples, Math.round((TUNE_SECONDS - 0.3) * sampleRate), Math.round(TUNE_SECONDS * sampleRate));
    assert.ok(rest < music / 20, `rest RMS ${rest.toExponential(2)} vs music RMS ${music.toExponential(2)}`);
    // The same music as the MP3 preview: the same loudness within 1 dB.
    const mp3 = await decodeMp3((await renderAudio(guitar)).data);
    const mp3Music = rms(mp3.samples, 0, Math.round((TUNE_SECONDS - 0.6) * mp3.sampleRate));
    const db = 20 * Math.log10(music / mp3Music);
    assert.ok(Math.abs(db) < 1, `Opus is ${db.toFixed(2)} dB off the MP3`);
  });

  it('encodes at 48 kHz on request', async () => {
    const short: Performance = { program: 73, notes: [{ pitch: 69, start: 0, duration: 0.5 }] };
    const audio = await renderAudio(short, { format: 'opus', sampleRate: 48000 });
    assert.equal(new DataView(audio.data.buffer, audio.data.byteOffset).getUint32(28 + 12, true), 48000);
    assert.ok(Math.abs(audio.durationSeconds - (0.5 + TAIL_SECONDS)) < 0.01);
    const { samples, sampleRate } = await decodeOpus(audio.data);
    assert.ok(Math.abs(samples.length / sampleRate - audio.durationSeconds) < 0.001);
  });

  it('renders through a SoundFont at 24 kHz too', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'folkbot-opus-sf2-'));
    try {
      const bankPath = path.join(directory, 'tiny.sf2');
      await writeFile(bankPath, buildTinySoundFont(0));
      const a440: Performance = { program: 0, notes: [{ pitch: 69, start: 0, duration: 1 }] };
      const audio = await renderAudio(a440, { format: 'opus', soundfontPath: bankPath });
      const { samples, sampleRate } = await decodeOpus(audio.data);
      assert.ok(Math.abs(samples.length / sampleRate - audio.durationSeconds) < 0.001);
      let crossings = 0;
      for (let i = Math.round(0.2 * sampleRate); i < Math.round(0.8 * sampleRate); i++) if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) crossings++;
      assert.ok(Math.abs(crossings / 0.6 - 440) < 5, `${(crossings / 0.6).toFixed(1)} Hz`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('is deterministic: the same performance gives the same bytes', async () => {
    const first = await renderAudio(flute, { format: 'opus' });
    const second = await renderAudio(flute, { format: 'opus' });
    assert.deepEqual(first.data, second.data);
  });
});
