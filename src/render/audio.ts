// Audio preview: a Performance (notes in seconds + GM program) -> mono PCM (built-in synth, or a SoundFont
// when `soundfontPath` is given) -> MP3 (LAME via wasm-media-encoders; Discord plays it inline on desktop and
// mobile), Ogg Opus (libopus, ogg-opus.ts: about half LAME's CPU time per tune; Discord plays .ogg files inline
// on desktop) or Ogg Vorbis.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createEncoder } from 'wasm-media-encoders';
import { kernelModule, type CompiledWasm } from '../util/wasm-tiering.mjs';
import type { Performance } from './performance.js';
import { withXingHeader } from './mp3-xing.js';
import { encodeOggOpus, prepareOpusEncoder } from './ogg-opus.js';
import { RenderError } from './render-error.js';
import { synthesizeWithSoundFont } from './soundfont.js';
import { synthesize, type VoiceName } from './synth.js';

/**
 * 'mp3'; 'opus': Opus in an Ogg file (RFC 7845), to be named .ogg (Discord plays .ogg attachments inline on
 * desktop); 'ogg': Vorbis in an Ogg file. RenderedAudio.fileExtension gives the extension for each.
 */
export type AudioFormat = 'mp3' | 'ogg' | 'opus';

export interface AudioOptions<F extends AudioFormat = AudioFormat> {
  /** 'mp3' (default), 'opus' (Ogg Opus) or 'ogg' (Ogg Vorbis). */
  readonly format?: F;
  /** MP3 and Vorbis: 22050 (default), 24000, 44100 or 48000. Opus: 24000 (default) or 48000. */
  readonly sampleRate?: SampleRate;
  /**
   * MP3 constant bitrate in kbit/s. Default: variable bitrate (LAME V5, about 50-70 kbit/s for one mono
   * instrument, a 30 s tune 190-250 KB) with a Xing header, which encodes about a third faster than CBR.
   * Ignored for Ogg (Opus: 48 kbit/s VBR, see ogg-opus.ts).
   */
  readonly bitrate?: Mp3Bitrate;
  /** Render with this General MIDI SoundFont (.sf2/.sf3/.dls) instead of the built-in synthesizer. */
  readonly soundfontPath?: string;
  /** Built-in synthesizer only: force a voice instead of the one mapped from the program. */
  readonly voice?: VoiceName;
}

export type SampleRate = 22050 | 24000 | 44100 | 48000;
/** A preview needs no more (the voices' harmonics stay below 11 kHz), and it halves synthesis and encoding time. */
export const DEFAULT_AUDIO_SAMPLE_RATE: SampleRate = 22050;
const SAMPLE_RATES: readonly number[] = [22050, 24000, 44100, 48000];
/** Opus takes 48 kHz and its divisors only; 24 kHz keeps the voices' harmonics (below 11 kHz) and halves synthesis. */
export const DEFAULT_OPUS_SAMPLE_RATE: SampleRate = 24000;
const OPUS_SAMPLE_RATES: readonly number[] = [24000, 48000];

export type Mp3Bitrate = 48 | 64 | 80 | 96 | 112 | 128;
const MP3_BITRATES: readonly number[] = [48, 64, 80, 96, 112, 128];
/** LAME VBR quality (0 best .. 9.999 smallest) used when no constant bitrate is asked for. */
export const MP3_VBR_QUALITY = 5;

export interface RenderedAudio<F extends AudioFormat = AudioFormat> {
  readonly data: Uint8Array;
  readonly format: F;
  /** 'audio/ogg' for both Ogg formats. */
  readonly mimeType: 'audio/mpeg' | 'audio/ogg';
  /** The file name extension players expect: 'mp3', or 'ogg' for Opus and Vorbis. */
  readonly fileExtension: 'mp3' | 'ogg';
  /** Length of the encoded PCM: the music plus the release/reverb tail. */
  readonly durationSeconds: number;
}

/**
 * The samples of the last tune, reused by the next one: a fresh array per tune (3.5 MB for 40 s at 22 kHz) would
 * be garbage that the collector frees only after tens of tunes, so a busy bot's memory would climb by as much.
 */
const pcmScratch: { buffer: Float32Array | null; busy: boolean } = { buffer: null, busy: false };
/** The longest scratch kept: 8 MB, 90 s at 22.05 kHz (a 16-bar tune at 100 bpm is about 40 s). */
const MAX_SCRATCH_SAMPLES = 2_000_000;

/**
 * Renders the performance to an MP3 (or Ogg Opus, or Ogg Vorbis) file in memory. Throws RenderError for bad
 * notes or options. The result's `format` has the type of the format asked for ('mp3' when none).
 */
export async function renderAudio<F extends AudioFormat = 'mp3'>(performance: Performance, options: AudioOptions<F> = {}): Promise<RenderedAudio<F>> {
  const format: AudioFormat = options.format ?? 'mp3';
  if (format !== 'mp3' && format !== 'ogg' && format !== 'opus') {
    throw new RenderError('option', `audio format must be "mp3", "opus" or "ogg", got "${String(format)}"`);
  }
  const sampleRate = options.sampleRate ?? (format === 'opus' ? DEFAULT_OPUS_SAMPLE_RATE : DEFAULT_AUDIO_SAMPLE_RATE);
  if (!SAMPLE_RATES.includes(sampleRate)) {
    throw new RenderError('option', `sample rate must be one of ${SAMPLE_RATES.join(', ')}, got ${String(sampleRate)}`);
  }
  if (format === 'opus' && !OPUS_SAMPLE_RATES.includes(sampleRate)) {
    throw new RenderError('option', `Opus audio takes a sample rate of ${OPUS_SAMPLE_RATES.join(' or ')}, got ${String(sampleRate)}`);
  }
  const bitrate = options.bitrate;
  if (bitrate !== undefined && !MP3_BITRATES.includes(bitrate)) {
    throw new RenderError('option', `MP3 bitrate must be one of ${MP3_BITRATES.join(', ')} kbit/s, got ${String(bitrate)}`);
  }
  // The built-in synthesizer writes into this thread's scratch buffer unless another render is using it.
  const scratch = options.soundfontPath === undefined && !pcmScratch.busy;
  if (scratch) pcmScratch.busy = true;
  let pcm: Float32Array;
  let data: Uint8Array;
  try {
    pcm =
      options.soundfontPath !== undefined
        ? await synthesizeWithSoundFont(performance, options.soundfontPath, sampleRate)
        : synthesize(performance, { sampleRate, ...(options.voice ? { voice: options.voice } : {}), ...(scratch && pcmScratch.buffer ? { buffer: pcmScratch.buffer } : {}) });
    // A longer tune than any before: its fresh array is the scratch from now on (unless it is a very long one).
    if (scratch && pcm.buffer !== pcmScratch.buffer?.buffer && pcm.length <= MAX_SCRATCH_SAMPLES) pcmScratch.buffer = pcm;
    data = format === 'mp3' ? await encodeMp3(pcm, sampleRate, bitrate) : format === 'opus' ? encodeOggOpus(pcm, sampleRate) : await encodeOgg(pcm, sampleRate);
  } finally {
    if (scratch) pcmScratch.busy = false;
  }
  return {
    data,
    format: format as F,
    mimeType: format === 'mp3' ? 'audio/mpeg' : 'audio/ogg',
    fileExtension: format === 'mp3' ? 'mp3' : 'ogg',
    durationSeconds: pcm.length / sampleRate,
  };
}

/**
 * Compiles the encoder's wasm (MP3 unless another format is named) and warms the synthesizer and encoder up on
 * a few seconds of music, now instead of during the first real tune: a first render runs unoptimised code and
 * takes several times longer (measured: 1.7 s against 0.27 s for a 16-bar MP3 tune). A bot or the compose
 * command calls this at start-up, for the format it will render.
 */
export async function prepareAudioEncoder(format: AudioFormat = 'mp3'): Promise<void> {
  if (format === 'mp3') {
    mp3Encoder ??= createMp3Encoder();
    await engine(mp3Encoder, 'MP3');
  } else if (format === 'ogg') {
    oggEncoder ??= createOggEncoder();
    await engine(oggEncoder, 'Ogg Vorbis');
  } else {
    prepareOpusEncoder();
  }
  const notes = Array.from({ length: 24 }, (_, k) => ({ pitch: 60 + ((k * 5) % 12), start: k * 0.25, duration: 0.25 }));
  for (const program of [73, 24]) await renderAudio({ notes, program }, { format });
}

// Encoders are created once per thread; configure() resets one for the next file. Encoding runs synchronously
// between configure() and finalize(), so sharing one encoder between callers is safe. The MP3 encoder is a hot
// kernel: the bot compiles it optimised at start-up (src/util/wasm-tiering.mjs) and every thread uses that. So is
// the Opus encoder (ogg-opus.ts keeps its own, under OPUS_ENCODER_KERNEL).
let mp3Encoder: ReturnType<typeof createMp3Encoder> | null = null;
let oggEncoder: ReturnType<typeof createOggEncoder> | null = null;

/** The name of the MP3 encoder's kernel for precompileKernels. */
export const MP3_ENCODER_KERNEL = 'lame-mp3';

/** The WebAssembly binary of an encoder of wasm-media-encoders. */
export function encoderBinary(file: 'mp3' | 'ogg'): Uint8Array {
  return readFileSync(createRequire(import.meta.url).resolve(`wasm-media-encoders/wasm/${file}`));
}

function compiledEncoder(file: 'mp3' | 'ogg'): CompiledWasm {
  return kernelModule(file === 'mp3' ? MP3_ENCODER_KERNEL : 'vorbis-ogg', () => encoderBinary(file));
}

async function createMp3Encoder(): Promise<Awaited<ReturnType<typeof createEncoder<'audio/mpeg'>>>> {
  return createEncoder('audio/mpeg', compiledEncoder('mp3'));
}

async function createOggEncoder(): Promise<Awaited<ReturnType<typeof createEncoder<'audio/ogg'>>>> {
  return createEncoder('audio/ogg', compiledEncoder('ogg'));
}

async function encodeMp3(pcm: Float32Array, sampleRate: SampleRate, bitrate: Mp3Bitrate | undefined): Promise<Uint8Array> {
  mp3Encoder ??= createMp3Encoder();
  const encoder = await engine(mp3Encoder, 'MP3');
  if (bitrate !== undefined) {
    return encodeWith(encoder, pcm, () => encoder.configure({ channels: 1, sampleRate, bitrate, outputSampleRate: sampleRate }));
  }
  const vbr = encodeWith(encoder, pcm, () =>
    encoder.configure({ channels: 1, sampleRate, vbrQuality: MP3_VBR_QUALITY, outputSampleRate: sampleRate }),
  );
  return withXingHeader(vbr);
}

async function encodeOgg(pcm: Float32Array, sampleRate: number): Promise<Uint8Array> {
  oggEncoder ??= createOggEncoder();
  const encoder = await engine(oggEncoder, 'Ogg Vorbis');
  // Vorbis quality 2 is about 96 kbit/s for stereo, less for mono: plenty for one instrument.
  return encodeWith(encoder, pcm, () => encoder.configure({ channels: 1, sampleRate, vbrQuality: 2 }));
}

async function engine<T>(pending: Promise<T>, name: string): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw new RenderError('engine', `the ${name} encoder could not start: ${String(error)}`, [], { cause: error });
  }
}

interface Encoder {
  encode(samples: readonly Float32Array[]): Uint8Array;
  finalize(): Uint8Array;
}

/** Feeds PCM in chunks (the encoder's output buffer is its own and must be copied before the next call). */
function encodeWith(encoder: Encoder, pcm: Float32Array, configure: () => void): Uint8Array {
  configure();
  const chunks: Uint8Array[] = [];
  const CHUNK = 1 << 16;
  for (let start = 0; start < pcm.length; start += CHUNK) {
    chunks.push(encoder.encode([pcm.subarray(start, Math.min(pcm.length, start + CHUNK))]).slice());
  }
  chunks.push(encoder.finalize().slice());
  const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const data = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return data;
}
