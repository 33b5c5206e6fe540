import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { createOggEncoder } from 'wasm-media-encoders';
import {
  encodeOggOpus,
  muxOggOpus,
  nativeOpusAvailable,
  OGG_SERIAL,
  opusLock,
  opusEncoderInfo,
  OPUS_VENDOR,
  type OpusSampleRate,
} from '../../src/render/ogg-opus.js';
import { RenderError } from '../../src/render/render-error.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

// ---- an Ogg reader written for the tests, independent of the muxer ----

/** Ogg's CRC-32 bit by bit (polynomial 0x04c11db7, MSB first, initial 0, no final xor): no table shared with the muxer. */
function crcBitwise(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

interface OggPage {
  readonly flags: number;
  readonly granule: bigint;
  readonly serial: number;
  readonly sequence: number;
  readonly lacing: number[];
  readonly packets: Uint8Array[];
  readonly bodyBytes: number;
}

/** Parses every page, checking the capture pattern, version and CRC, and that no packet continues onto another page. */
function readOgg(data: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at < data.length) {
    assert.equal(new TextDecoder().decode(data.subarray(at, at + 4)), 'OggS', `page ${pages.length} at byte ${at}`);
    const view = new DataView(data.buffer, data.byteOffset + at);
    assert.equal(view.getUint8(4), 0, 'stream structure version 0');
    const segments = view.getUint8(26);
    const lacing = Array.from(data.subarray(at + 27, at + 27 + segments));
    const bodyBytes = lacing.reduce((sum, value) => sum + value, 0);
    const end = at + 27 + segments + bodyBytes;
    assert.ok(end <= data.length, 'page fits in the file');
    const page = new Uint8Array(data.subarray(at, end));
    const stored = view.getUint32(22, true);
    page.fill(0, 22, 26);
    assert.equal(stored, crcBitwise(page), `CRC of page ${pages.length}`);
    assert.ok((lacing.at(-1) ?? 0) < 255, 'the last packet ends on its page');
    const packets: Uint8Array[] = [];
    let body = at + 27 + segments;
    let size = 0;
    for (const value of lacing) {
      size += value;
      if (value < 255) {
        packets.push(data.subarray(body, body + size));
        body += size;
        size = 0;
      }
    }
    pages.push({ flags: view.getUint8(5), granule: view.getBigUint64(6, true), serial: view.getUint32(14, true), sequence: view.getUint32(18, true), lacing, packets, bodyBytes });
    at = end;
  }
  return pages;
}

/** An Opus packet's length in 48 kHz samples, from its TOC byte (RFC 6716 section 3.1). */
function packetSamples(packet: Uint8Array): number {
  const toc = packet[0] ?? 0;
  const config = toc >> 3;
  const ms = config < 12 ? [10, 20, 40, 60][config & 3] : config < 16 ? [10, 20][config & 1] : [2.5, 5, 10, 20][config & 3];
  const code = toc & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f;
  return frames * (ms ?? 0) * 48;
}

async function decode(data: Uint8Array): Promise<{ samples: Float32Array; sampleRate: number; channels: number }> {
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  try {
    const decoded = await decoder.decodeFile(data);
    assert.deepEqual(decoded.errors, [], 'the file decodes without errors');
    const samples = decoded.channelData[0];
    assert.ok(samples, 'decoded audio has a channel');
    return { samples: samples.subarray(0, decoded.samplesDecoded), sampleRate: decoded.sampleRate, channels: decoded.channelData.length };
  } finally {
    decoder.free();
  }
}

function sine(frequency: number, amplitude: number, seconds: number, rate: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

/** A linear sweep: its autocorrelation has one sharp peak, so it shows any misalignment. */
function chirp(from: number, to: number, seconds: number, rate: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => {
    const t = i / rate;
    return 0.4 * Math.sin(2 * Math.PI * (from * t + ((to - from) * t * t) / (2 * seconds)));
  });
}

function rms(samples: Float32Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Frequency from the rising zero crossings between two sample indexes (interpolated between samples). */
function frequencyOf(samples: Float32Array, rate: number, from: number, to: number): number {
  const crossings: number[] = [];
  for (let i = from + 1; i < to; i++) {
    const [a, b] = [samples[i - 1] ?? 0, samples[i] ?? 0];
    if (a < 0 && b >= 0) crossings.push(i - 1 + a / (a - b));
  }
  const first = crossings[0] ?? 0;
  const last = crossings.at(-1) ?? 0;
  return ((crossings.length - 1) * rate) / (last - first);
}

/** Normalised correlation of `a` with `b` shifted by `lag` samples, over a's [from, to). */
function correlation(a: Float32Array, b: Float32Array, lag: number, from: number, to: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = from; i < to; i++) {
    const x = a[i] ?? 0;
    const y = b[i + lag] ?? 0;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Upsamples by an integer factor with linear interpolation (enough to compare a smooth test signal). */
function upsample(samples: Float32Array, factor: number): Float32Array {
  return Float32Array.from({ length: samples.length * factor }, (_, i) => {
    const x = i / factor;
    const k = Math.floor(x);
    const f = x - k;
    return (samples[k] ?? 0) * (1 - f) + (samples[k + 1] ?? 0) * f;
  });
}

describe('encodeOggOpus', () => {
  it('computes the same CRC as libogg (pages of the Vorbis encoder)', async () => {
    const encoder = await createOggEncoder();
    encoder.configure({ channels: 1, sampleRate: 24000, vbrQuality: 2 });
    const parts = [encoder.encode([sine(440, 0.5, 1, 24000)]).slice(), encoder.finalize().slice()];
    const vorbis = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    vorbis.set(parts[0] as Uint8Array);
    vorbis.set(parts[1] as Uint8Array, (parts[0] as Uint8Array).length);
    assert.ok(readOgg(vorbis).length >= 3);
  });

  it('writes RFC 7845 headers, whole packets on pages, and granule positions that add up', () => {
    const rate = 24000;
    const pcm = sine(440, 0.5, 2.5, rate);
    const data = encodeOggOpus(pcm, rate);
    const pages = readOgg(data);

    const [headPage, tagsPage, ...audioPages] = pages;
    assert.ok(headPage && tagsPage && audioPages.length > 1);
    assert.deepEqual(pages.map((page) => page.sequence), pages.map((_, i) => i));
    assert.ok(pages.every((page) => page.serial === OGG_SERIAL));
    assert.deepEqual(pages.map((page) => page.flags), [0x02, ...pages.slice(1, -1).map(() => 0), 0x04], 'BOS first, EOS last, nothing continued');

    // OpusHead alone on the first page, OpusTags alone on the second, both at granule 0.
    assert.equal(headPage.packets.length, 1);
    assert.equal(tagsPage.packets.length, 1);
    assert.equal(headPage.granule, 0n);
    assert.equal(tagsPage.granule, 0n);
    const head = headPage.packets[0] as Uint8Array;
    const headView = new DataView(head.buffer, head.byteOffset, head.length);
    assert.equal(head.length, 19);
    assert.equal(new TextDecoder().decode(head.subarray(0, 8)), 'OpusHead');
    assert.equal(headView.getUint8(8), 1, 'version 1');
    assert.equal(headView.getUint8(9), 1, 'one channel');
    const preSkip = headView.getUint16(10, true);
    // libopus's lookahead for the AUDIO application: 2.5 ms + 4 ms delay compensation = 6.5 ms = 312 samples at 48 kHz.
    assert.equal(preSkip, 312);
    assert.equal(headView.getUint32(12, true), rate, 'input sample rate');
    assert.equal(headView.getInt16(16, true), 0, 'output gain');
    assert.equal(headView.getUint8(18), 0, 'channel mapping family 0');
    const tags = tagsPage.packets[0] as Uint8Array;
    const tagsView = new DataView(tags.buffer, tags.byteOffset, tags.length);
    assert.equal(new TextDecoder().decode(tags.subarray(0, 8)), 'OpusTags');
    const vendorLength = tagsView.getUint32(8, true);
    assert.equal(new TextDecoder().decode(tags.subarray(12, 12 + vendorLength)), OPUS_VENDOR);
    assert.equal(tagsView.getUint32(12 + vendorLength, true), 0, 'no user comments');
    assert.equal(tags.length, 16 + vendorLength);

    // Audio pages: 20 ms mono packets; each page's granule is the samples of all packets so far, except the
    // last, whose granule is pre-skip + the input's length (trimming the padding of the last packet).
    let samples = 0;
    let previous = 0n;
    for (const page of audioPages) {
      assert.ok(page.packets.length >= 1 && page.packets.length <= 50, `${page.packets.length} packets on a page`);
      assert.ok(page.bodyBytes <= 4096, `${page.bodyBytes} bytes on a page`);
      for (const packet of page.packets) {
        assert.equal(packetSamples(packet), 960, '20 ms packets');
        assert.equal((packet[0] ?? 0) & 0x04, 0, 'mono packets');
      }
      samples += page.packets.length * 960;
      assert.ok(page.granule > previous, 'granule positions increase');
      previous = page.granule;
      if (page !== audioPages.at(-1)) assert.equal(page.granule, BigInt(samples));
    }
    const last = audioPages.at(-1) as OggPage;
    assert.equal(last.granule, BigInt(preSkip + pcm.length * 2));
    const trimmed = samples - Number(last.granule);
    assert.ok(trimmed >= 0 && trimmed < 960, `trims ${trimmed} samples, less than the last packet`);
  });

  it('decodes to one channel of exactly the input length, at the input pitch and loudness', async () => {
    const rate = 24000;
    const pcm = sine(440, 0.5, 2.5, rate);
    const { samples, sampleRate, channels } = await decode(encodeOggOpus(pcm, rate));
    assert.equal(channels, 1);
    assert.equal(sampleRate, 48000);
    const seconds = samples.length / sampleRate;
    assert.ok(Math.abs(seconds - pcm.length / rate) < 0.001, `decoded ${seconds} s of ${pcm.length / rate} s`);
    assert.equal(samples.length, pcm.length * 2, 'exactly, in fact');
    const [from, to] = [Math.round(0.5 * sampleRate), Math.round(2 * sampleRate)];
    const frequency = frequencyOf(samples, sampleRate, from, to);
    assert.ok(Math.abs(frequency - 440) < 0.5, `${frequency.toFixed(2)} Hz`);
    const levelDb = 20 * Math.log10(rms(samples, from, to) / rms(pcm, from / 2, to / 2));
    assert.ok(Math.abs(levelDb) < 1, `level off by ${levelDb.toFixed(2)} dB`);
  });

  it('keeps the decoded audio aligned with the input (pre-skip is the encoder lookahead)', async () => {
    const rate = 24000;
    const pcm = chirp(200, 3000, 2, rate);
    const { samples } = await decode(encodeOggOpus(pcm, rate));
    const reference = upsample(pcm, 2);
    const [from, to] = [4800, 86400];
    let best = { lag: 0, value: -1 };
    for (let lag = -600; lag <= 600; lag++) {
      const value = correlation(reference, samples, lag, from, to);
      if (value > best.value) best = { lag, value };
    }
    assert.equal(best.lag, 0, `best alignment at lag ${best.lag} (correlation ${best.value.toFixed(3)})`);
    assert.ok(best.value > 0.95, `correlation ${best.value.toFixed(3)}`);
  });

  it('encodes at the other rates libopus takes, with the length kept', async () => {
    for (const rate of [48000, 16000, 8000] as OpusSampleRate[]) {
      const pcm = sine(440, 0.3, 1.234, rate);
      const data = encodeOggOpus(pcm, rate);
      const head = readOgg(data)[0]?.packets[0] as Uint8Array;
      assert.equal(new DataView(head.buffer, head.byteOffset).getUint32(12, true), rate);
      const { samples, sampleRate } = await decode(data);
      assert.ok(Math.abs(samples.length / sampleRate - pcm.length / rate) < 0.001, `${rate} Hz: ${samples.length} samples at 48 kHz`);
      const frequency = frequencyOf(samples, sampleRate, 9600, 48000);
      assert.ok(Math.abs(frequency - 440) < 1, `${rate} Hz: ${frequency.toFixed(2)} Hz`);
    }
  });

  it('handles inputs shorter than a frame and inputs of whole frames', async () => {
    let decoded = 0;
    for (const length of [1, 100, 480, 4800, 48000, 48000 + 1, 48000 + 480 * 3]) {
      const pcm = sine(440, 0.3, length / 24000, 24000);
      const pages = readOgg(encodeOggOpus(pcm, 24000));
      const packets = pages.slice(2).reduce((sum, page) => sum + page.packets.length, 0);
      assert.equal(packets, Math.ceil((length + 156) / 480), `${length} samples: the lookahead is encoded too`);
      assert.equal(pages.at(-1)?.granule, BigInt(312 + length * 2), `${length} samples`);
      // ogg-opus-decoder trims a stream of a single audio page by its granule position without the pre-skip
      // (RFC 7845 counts it in), so decode only the streams of several pages.
      if (pages.length > 3) {
        const { samples } = await decode(encodeOggOpus(pcm, 24000));
        assert.equal(samples.length, length * 2, `${length} samples`);
        decoded++;
      }
    }
    assert.equal(decoded, 3);
  });

  it('is deterministic: the same samples give the same bytes, whatever was encoded before', () => {
    const pcm = chirp(300, 900, 1, 24000);
    const first = encodeOggOpus(pcm, 24000);
    encodeOggOpus(sine(1000, 0.9, 0.7, 48000), 48000);
    const second = encodeOggOpus(pcm, 24000);
    assert.deepEqual(second, first);
    assert.notDeepEqual(encodeOggOpus(pcm.map((v) => v * 0.5), 24000), first);
  });

  it('rejects sample rates, bitrates and complexities libopus does not take', () => {
    const pcm = sine(440, 0.3, 0.1, 24000);
    const cases: [number, object, RegExp][] = [
      [44100, {}, /Opus sample rate must be one of 48000, 24000, 16000, 12000, 8000 Hz, got 44100/],
      [22050, {}, /Opus sample rate must be one of .* got 22050/],
      [0, {}, /got 0/],
      [24000, { bitrate: 1000 }, /Opus bitrate must be a whole number of bit\/s from 6000 to 256000, got 1000/],
      [24000, { bitrate: 48.5 }, /Opus bitrate/],
      [24000, { complexity: 11 }, /Opus complexity must be a whole number 0..10, got 11/],
    ];
    for (const [rate, options, message] of cases) {
      assert.throws(
        () => encodeOggOpus(pcm, rate, options),
        (error: unknown) => {
          assert.ok(error instanceof RenderError, String(error));
          assert.equal(error.kind, 'option');
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('encodes with the native libopus where it loads, else with the wasm build from the kernel module', () => {
    encodeOggOpus(sine(440, 0.3, 0.1, 24000), 24000);
    if (nativeOpusAvailable()) {
      assert.deepEqual(opusEncoderInfo(), { engine: 'native' });
    } else {
      const info = opusEncoderInfo();
      assert.equal(info.engine, 'wasm-kernel');
      assert.match(info.fallbackReason ?? '', /native libopus .* does not load here/);
    }
  });

  it('runs the wasm build from the kernel module under FOLKBOT_OPUS_ENGINE=wasm, with the same audio as the native one', async () => {
    // The engine is chosen once per thread: a process of its own, with the variable set.
    const script = [
      "import { encodeOggOpus, opusEncoderInfo, OPUS_ENCODER_KERNEL } from './src/render/ogg-opus.ts';",
      "import { kernelModule } from './src/util/wasm-tiering.mjs';",
      'const rate = 24000;',
      'const pcm = Float32Array.from({ length: 2 * rate }, (_, i) => { const t = i / rate; return 0.4 * Math.sin(2 * Math.PI * (200 * t + (2800 * t * t) / 4)); });',
      'const data = encodeOggOpus(pcm, rate);',
      "let compiled = true; kernelModule(OPUS_ENCODER_KERNEL, () => { compiled = false; return new Uint8Array(); });",
      "process.stdout.write(JSON.stringify({ info: opusEncoderInfo(), compiled, data: Buffer.from(data).toString('base64') }));",
    ].join('\n');
    const run = (engine: string): { info: { engine: string; fallbackReason?: string }; compiled: boolean; data: string } =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: repoRoot,
          env: { ...process.env, FOLKBOT_OPUS_ENGINE: engine },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ) as { info: { engine: string; fallbackReason?: string }; compiled: boolean; data: string };
    const wasm = run('wasm');
    assert.deepEqual(wasm.info, { engine: 'wasm-kernel', fallbackReason: 'FOLKBOT_OPUS_ENGINE=wasm' });
    assert.ok(wasm.compiled, 'the encoder compiled its module through kernelModule, under the kernel name');
    const fromWasm = await decode(Buffer.from(wasm.data, 'base64'));
    const pcm = chirp(200, 3000, 2, 24000);
    const fromHere = await decode(encodeOggOpus(pcm, 24000));
    assert.equal(fromWasm.samples.length, fromHere.samples.length);
    const agreement = correlation(fromWasm.samples, fromHere.samples, 0, 4800, 86400);
    assert.ok(agreement > 0.999, `the two engines' audio correlates at ${agreement.toFixed(4)}`);

    assert.throws(() => run('fast'), /FOLKBOT_OPUS_ENGINE must be "native", "wasm" or "auto", got "fast"/);
  });
});

describe('the native libopus in worker threads', () => {
  // A worker that registers tsx, then encodes `streams` chirps (each its own sweep) `rounds` times and posts the
  // SHA-1 of every file, and which engine it used. With `lock`, it takes part in the process's native-libopus lock.
  const workerScript = `
    const { workerData, parentPort } = await import('node:worker_threads');
    const { register } = await import('tsx/esm/api');
    register();
    const { createHash } = await import('node:crypto');
    const opus = await import(workerData.module);
    if (workerData.lock) opus.useOpusLock(workerData.lock);
    const rate = 24000;
    const hashes = [];
    for (let round = 0; round < workerData.rounds; round++) {
      for (const top of workerData.tops) {
        const pcm = Float32Array.from({ length: rate }, (_, i) => { const t = i / rate; return 0.4 * Math.sin(2 * Math.PI * (200 * t + ((top - 200) * t * t) / 2)); });
        hashes.push(createHash('sha1').update(opus.encodeOggOpus(pcm, rate)).digest('hex'));
      }
    }
    parentPort.postMessage({ info: opus.opusEncoderInfo(), hashes });
  `;
  const moduleUrl = new URL('../../src/render/ogg-opus.ts', import.meta.url).href;
  const runWorker = (tops: number[], rounds: number, lock: SharedArrayBuffer | null): Promise<{ info: { engine: string; fallbackReason?: string }; hashes: string[] }> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(workerScript, { eval: true, workerData: { module: moduleUrl, tops, rounds, lock } });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const hashOf = (top: number): string => {
    const rate = 24000;
    const pcm = Float32Array.from({ length: rate }, (_, i) => {
      const t = i / rate;
      return 0.4 * Math.sin(2 * Math.PI * (200 * t + ((top - 200) * t * t) / 2));
    });
    return createHash('sha1').update(encodeOggOpus(pcm, rate)).digest('hex');
  };

  it('gives every thread its own packets while several encode at once (the lock)', async (t) => {
    if (!nativeOpusAvailable()) return t.skip('the native libopus does not load on this machine');
    const lock = opusLock();
    assert.ok(lock, 'the main thread has the lock');
    const [a, b] = await Promise.all([runWorker([1000, 2000], 15, lock), runWorker([3000, 4000], 15, lock)]);
    assert.equal(a.info.engine, 'native');
    assert.equal(b.info.engine, 'native');
    // The same streams encoded here, one after another, give the same bytes, round after round.
    assert.deepEqual(a.hashes, Array.from({ length: 15 }, () => [hashOf(1000), hashOf(2000)]).flat());
    assert.deepEqual(b.hashes, Array.from({ length: 15 }, () => [hashOf(3000), hashOf(4000)]).flat());
  });

  it('uses the wasm build in a worker that was not handed the lock', async () => {
    const { info, hashes } = await runWorker([1000], 1, null);
    assert.equal(info.engine, 'wasm-kernel');
    assert.match(info.fallbackReason ?? '', /was not handed the native libopus lock/);
    assert.equal(hashes.length, 1);
  });
});

describe('muxOggOpus', () => {
  it('laces packets of 255 bytes and more, and splits pages by size and packet count', () => {
    const sizes = [1, 254, 255, 256, 510, 1275, 3, 100];
    const packets = sizes.map((size, i) => new Uint8Array(size).fill(i + 1));
    const stream = { preSkip: 312, inputSampleRate: 24000, packetSamples: 960, totalSamples: sizes.length * 960 - 312 - 500 };
    const pages = readOgg(muxOggOpus(packets, stream));
    const audio = pages.slice(2);
    assert.deepEqual(audio.flatMap((page) => page.packets.map((packet) => Array.from(packet))), packets.map((packet) => Array.from(packet)));
    assert.deepEqual(audio[0]?.lacing.slice(0, 6), [1, 254, 255, 0, 255, 1]);
    assert.equal(audio.at(-1)?.granule, BigInt(stream.preSkip + stream.totalSamples));

    // 100-byte packets: 40 fill a page (4000 bytes of 4096); 10-byte packets: 50 per page (one second).
    for (const [size, perPage] of [[100, 40], [10, 50]] as const) {
      const many = Array.from({ length: 120 }, () => new Uint8Array(size));
      const split = readOgg(muxOggOpus(many, { ...stream, totalSamples: 120 * 960 - 312 })).slice(2);
      assert.deepEqual(split.map((page) => page.packets.length), [perPage, perPage, 120 - 2 * perPage]);
      assert.deepEqual(split.map((page) => page.granule), [BigInt(perPage * 960), BigInt(2 * perPage * 960), BigInt(120 * 960)]);
    }
  });

  it('refuses a length the packets do not hold', () => {
    const packets = [new Uint8Array(10), new Uint8Array(10)];
    assert.throws(() => muxOggOpus(packets, { preSkip: 312, inputSampleRate: 24000, packetSamples: 960, totalSamples: 1700 }), /less than/);
  });
});
