// Ogg Opus (RFC 7845) for audio previews: mono PCM -> Opus packets (libopus from @evan/opus: its native addon where
// it loads, else its WebAssembly build, whose packets are byte for byte those of opusscript's libopus 1.4; see
// nativeEngine) -> an Ogg file written here (the container is a few headers and pages around the packets).
//
// Why Opus: LAME is the largest CPU cost per tune. libopus at complexity 0 encodes in half its time, and decoded
// back it follows the input more closely than the MP3 preview does. Measured on this 2-core machine: 39 s of a
// synthesized flute tune at 24 kHz, mono, 20 ms frames, unconstrained VBR; time with the encoder compiled
// optimised (precompileKernels) / on baseline wasm only (useBaselineWasmEverywhere, no precompiled kernel);
// "partials SNR": decoded vs input in 50 ms windows, over the spectral bins within 30 dB of the window's
// loudest (the audible partials), median:
//   48 kbit/s, complexity 0:    54 /  89 ms, 229 KB, partials SNR 33.9 dB   <- chosen
//   40 kbit/s, complexity 0:    49 /  81 ms, 192 KB, partials SNR 32.6 dB
//   48 kbit/s, complexity 3:    74 / 127 ms, 231 KB, partials SNR 33.9 dB
//   48 kbit/s, complexity 5:   140 / 274 ms, 233 KB, partials SNR 33.9 dB
//   48 kbit/s, complexity 10:  185 / 347 ms, 270 KB, partials SNR 36.0 dB
//   (libopus's default, constrained VBR, 48 kbit/s, complexity 0: 233 KB of packets, partials SNR 31.7 dB)
//   (LAME V5 at 22050 Hz, the MP3 preview: 113 / 180 ms, 178 KB, partials SNR 28.3 dB)
// Compiling the encoder optimised takes ~0.4 s once (LAME: ~0.09 s).
//
// The encoder is a hot kernel (src/util/wasm-tiering.mjs): its module comes from kernelModule(OPUS_ENCODER_KERNEL),
// which is the optimised one when the process precompiled it. @evan/opus's WebAssembly build is a standalone
// module exporting libopus's C API (opus_encoder_init, opus_encode, opus_encoder_ctl_*, malloc) and importing five
// no-op WASI/emscripten stubs, so it is instantiated here directly, without the package's loader (which compiles
// its own copy when required). Should a later version no longer fit (other imports or exports), the package's own
// wasm loader is used instead: the same encoder and bytes, only not the precompiled kernel (opusEncoderInfo()).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { kernelModule, type CompiledWasm } from '../util/wasm-tiering.mjs';
import { RenderError } from './render-error.js';

/** The input sample rates libopus accepts. */
export type OpusSampleRate = 48000 | 24000 | 16000 | 12000 | 8000;
export const OPUS_SAMPLE_RATES: readonly OpusSampleRate[] = [48000, 24000, 16000, 12000, 8000];
/** Target bitrate in bit/s (unconstrained VBR: the average over a tune; one flute tune came out at 47 kbit/s). */
export const OPUS_BITRATE = 48_000;
/** libopus complexity 0..10; 0 is the fastest, and for one synthesized instrument barely worse (see above). */
export const OPUS_COMPLEXITY = 0;

export interface OggOpusOptions {
  /** Target bitrate in bit/s, 6000..256000 (default OPUS_BITRATE). */
  readonly bitrate?: number;
  /** 0..10 (default OPUS_COMPLEXITY). */
  readonly complexity?: number;
}

/** The name of the Opus encoder's kernel for precompileKernels. */
export const OPUS_ENCODER_KERNEL = 'libopus';

const require = createRequire(import.meta.url);

/** The Opus encoder's WebAssembly binary (libopus built without SIMD: the SIMD build measured no faster). */
export function opusEncoderBinary(): Uint8Array {
  return readFileSync(require.resolve('@evan/opus/wasm/opus.wasm'));
}

/** Ogg's granule positions and Opus's pre-skip count samples at 48 kHz whatever the input rate. */
const GRANULE_RATE = 48000;
/** 20 ms frames: the best quality per bit, and the size libopus is tuned for. */
const FRAME_MS = 20;
/** Bytes libopus may write per packet (a 20 ms packet is at most 1275 bytes). */
const MAX_PACKET_BYTES = 4000;

// libopus constants (opus_defines.h).
const OPUS_APPLICATION_AUDIO = 2049;
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_VBR_CONSTRAINT = 4020;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_MUSIC = 3002;
const OPUS_GET_LOOKAHEAD = 4027;

/**
 * Encodes mono PCM (-1..1) at `sampleRate` to an Ogg Opus file: deterministic (the same samples give the same
 * bytes), and decoding it gives back exactly pcm.length samples' worth of audio (pre-skip and end trimming).
 * Throws RenderError: 'option' for a sample rate, bitrate or complexity libopus does not take, 'engine' when
 * the encoder cannot start or fails.
 */
export function encodeOggOpus(pcm: Float32Array, sampleRate: number, options: OggOpusOptions = {}): Uint8Array {
  if (!(OPUS_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    throw new RenderError('option', `Opus sample rate must be one of ${OPUS_SAMPLE_RATES.join(', ')} Hz, got ${String(sampleRate)}`);
  }
  const bitrate = options.bitrate ?? OPUS_BITRATE;
  if (!Number.isInteger(bitrate) || bitrate < 6000 || bitrate > 256_000) {
    throw new RenderError('option', `Opus bitrate must be a whole number of bit/s from 6000 to 256000, got ${String(bitrate)}`);
  }
  const complexity = options.complexity ?? OPUS_COMPLEXITY;
  if (!Number.isInteger(complexity) || complexity < 0 || complexity > 10) {
    throw new RenderError('option', `Opus complexity must be a whole number 0..10, got ${String(complexity)}`);
  }
  const encoder = startedEngine();
  const frameSize = (sampleRate * FRAME_MS) / 1000;
  const toGranule = GRANULE_RATE / sampleRate;
  let lookahead: number;
  try {
    lookahead = encoder.start(sampleRate, bitrate, complexity);
  } catch (error) {
    throw new RenderError('engine', `the Opus encoder could not start: ${String(error)}`, [], { cause: error });
  }
  const preSkip = lookahead * toGranule;
  if (!Number.isInteger(preSkip) || preSkip < 0 || preSkip > 65535) {
    throw new RenderError('engine', `the Opus encoder reported a lookahead of ${String(lookahead)} samples`);
  }

  // The decoded stream lags the input by the lookahead: encode that much more (the last frame padded with
  // silence), so that the input's last sample is decoded too. The pre-skip drops the lag at the start, the
  // last page's granule position the padding at the end.
  const frames = Math.ceil((pcm.length + lookahead) / frameSize);
  const packets = new PacketBuffer(frames, bitrate);
  try {
    for (let frame = 0; frame < frames; frame++) {
      const input = encoder.frame(frameSize);
      const from = frame * frameSize;
      const to = Math.min(pcm.length, from + frameSize);
      for (let i = from; i < to; i++) {
        // Float to 16-bit, saturated and rounded half away from zero (a typed-array store truncates).
        const v = (pcm[i] as number) * 32768;
        const s = v >= 32767 ? 32767 : v <= -32768 ? -32768 : v;
        input[i - from] = s < 0 ? s - 0.5 : s + 0.5;
      }
      input.fill(0, Math.max(0, to - from));
      packets.push(encoder.encode(frameSize));
    }
  } catch (error) {
    throw new RenderError('engine', `the Opus encoder failed: ${String(error)}`, [], { cause: error });
  }
  return muxOggOpus(packets.list(), {
    preSkip,
    inputSampleRate: sampleRate,
    packetSamples: frameSize * toGranule,
    totalSamples: pcm.length * toGranule,
  });
}

/**
 * Which libopus this thread encodes with, and why not the native one where it is another (see OpusEngineKind).
 */
export function opusEncoderInfo(): { readonly engine: OpusEngineKind; readonly fallbackReason?: string } {
  const engine = startedEngine();
  return engine.fallbackReason === undefined ? { engine: engine.kind } : { engine: engine.kind, fallbackReason: engine.fallbackReason };
}

/**
 * 'native': the libopus addon of @evan/opus; 'wasm-kernel': its WebAssembly build from
 * kernelModule(OPUS_ENCODER_KERNEL), precompiled where the process did so; 'wasm-package': that build through the
 * package's own loader.
 */
export type OpusEngineKind = 'native' | 'wasm-kernel' | 'wasm-package';

/** Creates this thread's encoder now (compiling its module unless precompiled), not on the first file. */
export function prepareOpusEncoder(): void {
  startedEngine();
}

function startedEngine(): OpusEngine {
  try {
    return opusEngine();
  } catch (error) {
    throw new RenderError('engine', `the Opus encoder could not start: ${String(error)}`, [], { cause: error });
  }
}

// ---- the encoder ----------------------------------------------------------------------------------------------

interface OpusEngine {
  readonly kind: OpusEngineKind;
  /** Why a wasm engine runs instead of the native one (and, for 'wasm-package', instead of the kernel module). */
  readonly fallbackReason?: string;
  /** Resets the encoder for a new stream at `sampleRate` and returns its lookahead in input samples. */
  start(sampleRate: number, bitrate: number, complexity: number): number;
  /** Where to write the next frame's samples (valid until the next frame() or encode()). */
  frame(samples: number): Int16Array;
  /** Encodes the frame written; the packet's bytes are valid until the next call. */
  encode(samples: number): Uint8Array;
}

/** One encoder per thread, created on first use; encoding is synchronous, so callers cannot interleave. */
let engine: OpusEngine | null = null;

function opusEngine(): OpusEngine {
  if (engine) return engine;
  const preference = opusEnginePreference();
  let nativeError = 'FOLKBOT_OPUS_ENGINE=wasm';
  if (preference !== 'wasm') {
    try {
      engine = nativeEngine();
      return engine;
    } catch (error) {
      if (preference === 'native') throw new Error(`FOLKBOT_OPUS_ENGINE=native, but ${String(error)}`, { cause: error });
      nativeError = String(error);
    }
  }
  engine = wasmEngine(nativeError);
  return engine;
}

/** The environment variable that picks the Opus engine: 'native', 'wasm', or unset (native where it loads). */
export const OPUS_ENGINE_VARIABLE = 'FOLKBOT_OPUS_ENGINE';

/** The values FOLKBOT_OPUS_ENGINE takes (unset is 'auto'). */
export const OPUS_ENGINE_CHOICES = ['native', 'wasm', 'auto'] as const;

function opusEnginePreference(): (typeof OPUS_ENGINE_CHOICES)[number] {
  const value = process.env[OPUS_ENGINE_VARIABLE]?.trim().toLowerCase();
  if (value === undefined || value === '') return 'auto';
  const choice = OPUS_ENGINE_CHOICES.find((known) => known === value);
  if (choice === undefined) throw new Error(`${OPUS_ENGINE_VARIABLE} must be "native", "wasm" or "auto", got "${value}"`);
  return choice;
}

/**
 * Whether this thread will encode Opus with the native libopus (so that it need not compile the wasm one): false
 * where the addon does not load here, in a worker thread not handed the lock (useOpusLock), or under
 * FOLKBOT_OPUS_ENGINE=wasm.
 */
export function nativeOpusAvailable(): boolean {
  try {
    if (opusEnginePreference() === 'wasm' || !nativeLock) return false;
    nativeLibOpus();
    return true;
  } catch {
    return false;
  }
}

// ---- native libopus ------------------------------------------------------------------------------------------
//
// @evan/opus ships libopus built as a Node addon for x64 and arm64 Linux, macOS (and x64 Windows): compiled
// natively with the compiler's vector code, it encodes a 16-bar tune in about two thirds of the wasm build's time
// (measured: 35 s of audio at 24 kHz, complexity 0, 45 against 62-70 ms). It is loaded directly (the .node file),
// without the package's wrapper, which copies every packet out of the addon's shared output buffer: PacketBuffer
// copies it anyway. Where it does not load (another platform, a libc it was not built for), the wasm build runs.
//
// That output buffer is one per process, not per thread: two threads encoding at once overwrite each other's packets
// (measured on an earlier day: four worker threads gave other bytes than the same streams encoded one after another).
// So every native encode holds a process-wide lock, an Int32Array on a SharedArrayBuffer, from libopus writing the
// packet until it is copied out (a few tens of microseconds a frame). The main thread makes the lock; a worker
// thread gets it from whoever starts the worker (opusLock() there, useOpusLock() in the worker, as the compose
// pool does), and one that was not handed it encodes with the wasm build, which has no shared state. opusLock()
// also keeps the addon loaded in the main thread, which a worker's exit needs (see there).

/** The process's native-libopus lock: 0 free, 1 held. Made by the main thread, handed to workers. */
let nativeLock: Int32Array | null = isMainThread ? new Int32Array(new SharedArrayBuffer(4)) : null;

/**
 * This thread's native-libopus lock, to hand to a worker thread that will encode; null where the addon does not load,
 * under FOLKBOT_OPUS_ENGINE=wasm, or in a worker without one. In the main thread it loads the addon first: a worker
 * must never be the only thread that has it loaded, because a worker that exits then unloads it under the process
 * (measured: a worker that loaded it and was terminated, or was still running at process.exit, ended the process
 * with SIGSEGV; with the addon loaded in the main thread first, neither did, in every try).
 */
export function opusLock(): SharedArrayBuffer | null {
  if (!nativeOpusAvailable()) return null;
  return (nativeLock as Int32Array).buffer as SharedArrayBuffer;
}

/** Makes a worker thread take part in the native-libopus lock of the thread that started it (see opusLock). */
export function useOpusLock(lock: SharedArrayBuffer): void {
  if (nativeLock?.buffer === lock) return;
  nativeLock = new Int32Array(lock);
  // An engine chosen before, without the lock, was the wasm one: choose again on the next file.
  if (engine?.kind !== 'native') engine = null;
}

function lockNative(lock: Int32Array): void {
  // Wait at most 1 ms at a time, so that a wake-up missed between the exchange and the wait costs no more.
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1, 1);
}

function unlockNative(lock: Int32Array): void {
  Atomics.store(lock, 0, 0);
  Atomics.notify(lock, 0, 1);
}

interface NativeEncoder {
  ctl(request: number, value?: number): number;
  /** Encodes one frame of 16-bit samples into the addon's output buffer; returns the packet's length. */
  encode(pcm: Int16Array): number;
}
interface NativeLibOpus {
  readonly Encoder: new (options: { channels: number; sample_rate: number; application: string }) => NativeEncoder;
  readonly buffers: { encoder(): Uint8Array };
}

let nativeLib: NativeLibOpus | null = null;

function nativeLibOpus(): NativeLibOpus {
  if (nativeLib) return nativeLib;
  const file = `@evan/opus/node/${process.arch}-${process.platform}.node`;
  let loaded: Partial<NativeLibOpus>;
  try {
    loaded = require(file) as Partial<NativeLibOpus>;
  } catch (error) {
    throw new Error(`the native libopus (${file}) does not load here: ${String(error)}`, { cause: error });
  }
  if (typeof loaded.Encoder !== 'function' || typeof loaded.buffers?.encoder !== 'function') throw new Error(`${file} exports no Encoder and buffers`);
  nativeLib = loaded as NativeLibOpus;
  return nativeLib;
}

/**
 * Sets an encoder object (the addon's or the package loader's: each ctl() throws on a libopus error) as every
 * engine encodes: the bitrate as unconstrained VBR, the complexity, music; returns its lookahead.
 */
function configured(encoder: { ctl(request: number, value?: number): number }, bitrate: number, complexity: number): number {
  encoder.ctl(OPUS_SET_BITRATE, bitrate);
  encoder.ctl(OPUS_SET_VBR_CONSTRAINT, 0);
  encoder.ctl(OPUS_SET_COMPLEXITY, complexity);
  encoder.ctl(OPUS_SET_SIGNAL, OPUS_SIGNAL_MUSIC);
  return encoder.ctl(OPUS_GET_LOOKAHEAD);
}

/** OPUS_RESET_STATE: back to a fresh encoder's state, keeping its settings (measured: the same bytes as a new one). */
const OPUS_RESET_STATE = 4028;

function nativeEngine(): OpusEngine {
  const lock = nativeLock;
  if (!lock) throw new Error('this worker thread was not handed the native libopus lock (useOpusLock), which it shares with the process');
  const lib = nativeLibOpus();
  const output = lib.buffers.encoder();
  // This thread's copy of the last packet, taken while the lock is held.
  const packet = new Uint8Array(MAX_PACKET_BYTES);
  // One encoder per input sample rate (libopus fixes it at creation), reset for each stream.
  const encoders = new Map<number, NativeEncoder>();
  let encoder: NativeEncoder | null = null;
  const input = new Int16Array((48000 * FRAME_MS) / 1000);
  return {
    kind: 'native',
    start(sampleRate, bitrate, complexity) {
      encoder = encoders.get(sampleRate) ?? null;
      if (encoder) {
        encoder.ctl(OPUS_RESET_STATE);
      } else {
        // The addon's constructor and ctl() throw on a libopus error.
        encoder = new lib.Encoder({ channels: 1, sample_rate: sampleRate, application: 'audio' });
        encoders.set(sampleRate, encoder);
      }
      return configured(encoder, bitrate, complexity);
    },
    frame: (samples) => input.subarray(0, samples),
    encode(samples) {
      if (!encoder) throw new Error('encoder not started');
      lockNative(lock);
      try {
        const length = encoder.encode(input.subarray(0, samples));
        packet.set(output.subarray(0, length));
        return packet.subarray(0, length);
      } finally {
        unlockNative(lock);
      }
    },
  };
}

// ---- libopus built to WebAssembly ----------------------------------------------------------------------------

function wasmEngine(nativeError: string): OpusEngine {
  let module: CompiledWasm;
  try {
    module = kernelModule(OPUS_ENCODER_KERNEL, opusEncoderBinary);
  } catch (error) {
    throw new Error(`cannot compile ${require.resolve('@evan/opus/wasm/opus.wasm')}: ${String(error)}`, { cause: error });
  }
  try {
    return kernelEngine(module, nativeError);
  } catch (kernelError) {
    try {
      return packageEngine(`${nativeError}; ${String(kernelError)}`);
    } catch (error) {
      throw new Error(`${String(kernelError)}; and the package's own loader failed: ${String(error)}`, { cause: error });
    }
  }
}

// The WebAssembly JS API types used here (the project's TypeScript libs do not include them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Instance: new (module: CompiledWasm, imports: object) => { readonly exports: Record<string, unknown> };
};

/** The exports of @evan/opus's wasm build that are used: libopus's C API plus malloc. */
interface LibOpus {
  readonly memory: WasmMemory;
  malloc(bytes: number): number;
  opus_strerror(code: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(state: number, sampleRate: number, channels: number, application: number): number;
  opus_encoder_ctl_set(state: number, request: number, value: number): number;
  /** The value of a GET request (the build passes a pointer to libopus and returns what it wrote). */
  opus_encoder_ctl_get(state: number, request: number): number;
  opus_encode(state: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
}
const LIBOPUS_FUNCTIONS = ['malloc', 'opus_strerror', 'opus_encoder_get_size', 'opus_encoder_init', 'opus_encoder_ctl_set', 'opus_encoder_ctl_get', 'opus_encode'] as const;

/** libopus from the (precompiled) kernel module, instantiated with the stubs it imports. */
function kernelEngine(module: CompiledWasm, nativeError: string): OpusEngine {
  const noop = (): number => 0;
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
    env: { emscripten_notify_memory_growth: noop },
  });
  const exports = instance.exports;
  for (const name of LIBOPUS_FUNCTIONS) {
    if (typeof exports[name] !== 'function') throw new Error(`the module exports no ${name}`);
  }
  if (typeof exports._initialize === 'function') (exports._initialize as () => void)();
  const lib = exports as unknown as LibOpus;
  const maxFrame = (48000 * FRAME_MS) / 1000;
  const state = lib.malloc(lib.opus_encoder_get_size(1));
  const pcm = lib.malloc(maxFrame * 2);
  const data = lib.malloc(MAX_PACKET_BYTES);
  if (!state || !pcm || !data) throw new Error('out of memory');

  const message = (code: number): string => {
    const bytes = new Uint8Array(lib.memory.buffer);
    let end = lib.opus_strerror(code);
    const start = end;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return `libopus error ${code} (${Buffer.from(bytes.subarray(start, end)).toString('latin1')})`;
  };
  const check = (code: number): number => {
    if (code < 0) throw new Error(message(code));
    return code;
  };
  let input = new Int16Array(lib.memory.buffer, pcm, maxFrame);
  return {
    kind: 'wasm-kernel',
    fallbackReason: nativeError,
    start(sampleRate, bitrate, complexity) {
      check(lib.opus_encoder_init(state, sampleRate, 1, OPUS_APPLICATION_AUDIO));
      check(lib.opus_encoder_ctl_set(state, OPUS_SET_BITRATE, bitrate));
      check(lib.opus_encoder_ctl_set(state, OPUS_SET_VBR_CONSTRAINT, 0));
      check(lib.opus_encoder_ctl_set(state, OPUS_SET_COMPLEXITY, complexity));
      check(lib.opus_encoder_ctl_set(state, OPUS_SET_SIGNAL, OPUS_SIGNAL_MUSIC));
      return lib.opus_encoder_ctl_get(state, OPUS_GET_LOOKAHEAD);
    },
    frame(samples) {
      // A grown memory has a new buffer (the old one is detached): view it again.
      if (input.buffer !== lib.memory.buffer) input = new Int16Array(lib.memory.buffer, pcm, maxFrame);
      return input.subarray(0, samples);
    },
    encode(samples) {
      const length = check(lib.opus_encode(state, pcm, samples, data, MAX_PACKET_BYTES));
      return new Uint8Array(lib.memory.buffer, data, length);
    },
  };
}

/** The Encoder class of @evan/opus's own wasm loader (wasm/index.js). */
interface PackageEncoder {
  ctl(request: number, value?: number): number;
  encode(pcm: Int16Array): Uint8Array;
  drop(): void;
}
type PackageEncoderClass = new (options: { channels: number; sample_rate: number; application: string }) => PackageEncoder;

/** The package's own loader: used when the kernel module cannot be instantiated here. */
function packageEngine(reason: string): OpusEngine {
  const { Encoder } = require('@evan/opus/wasm/index.js') as { Encoder: PackageEncoderClass };
  let encoder: PackageEncoder | null = null;
  const input = new Int16Array((48000 * FRAME_MS) / 1000);
  return {
    kind: 'wasm-package',
    fallbackReason: reason,
    start(sampleRate, bitrate, complexity) {
      encoder?.drop();
      // Its ctl() throws on a libopus error.
      encoder = new Encoder({ channels: 1, sample_rate: sampleRate, application: 'audio' });
      return configured(encoder, bitrate, complexity);
    },
    frame: (samples) => input.subarray(0, samples),
    encode(samples) {
      if (!encoder) throw new Error('encoder not started');
      return encoder.encode(input.subarray(0, samples));
    },
  };
}

/** The packets of one stream, copied into one growing buffer. */
class PacketBuffer {
  private bytes: Uint8Array;
  private used = 0;
  private readonly ends: number[] = [];

  constructor(frames: number, bitrate: number) {
    this.bytes = new Uint8Array(Math.max(4096, Math.ceil((frames * bitrate * FRAME_MS) / 8000 * 1.25)));
  }

  push(packet: Uint8Array): void {
    if (this.used + packet.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + packet.length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(packet, this.used);
    this.used += packet.length;
    this.ends.push(this.used);
  }

  list(): Uint8Array[] {
    return this.ends.map((end, i) => this.bytes.subarray(i === 0 ? 0 : (this.ends[i - 1] as number), end));
  }
}

// ---- the Ogg container ----------------------------------------------------------------------------------------

export interface OggOpusStream {
  /** In 48 kHz samples: the decoder drops this many at the start (the encoder's lookahead). */
  readonly preSkip: number;
  /** The input's sample rate, for the header (players may resample to it; it does not change decoding). */
  readonly inputSampleRate: number;
  /** Length of every packet in 48 kHz samples (960 for 20 ms). */
  readonly packetSamples: number;
  /** Length of the audio in 48 kHz samples, without pre-skip: the last page's granule trims the rest. */
  readonly totalSamples: number;
}

/** Fixed, so that the same audio always gives the same file (RFC 7845 only asks it to be unique per link). */
export const OGG_SERIAL = 0x666f6c6b;
/** Vendor string of the OpusTags header. */
export const OPUS_VENDOR = 'folkbot';
/** A page carries at most this many packets (1 s of 20 ms packets) ... */
const PAGE_MAX_PACKETS = 50;
/** ... and at most about this many bytes of them (a page is the unit a player must read whole). */
const PAGE_MAX_BODY = 4096;

const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;

/**
 * Writes the packets of a mono Opus stream as an Ogg Opus file: OpusHead, OpusTags, then pages of whole packets
 * (none continued across pages) with their granule positions; the last page is marked end-of-stream and its
 * granule position is preSkip + totalSamples, which trims the padding of the last packet.
 */
export function muxOggOpus(packets: readonly Uint8Array[], stream: OggOpusStream): Uint8Array {
  const endGranule = stream.preSkip + stream.totalSamples;
  if (packets.length === 0 || endGranule > packets.length * stream.packetSamples) {
    throw new Error(`${packets.length} packets hold less than the ${endGranule} samples (with pre-skip) to play`);
  }
  const head = opusHead(stream.preSkip, stream.inputSampleRate);
  const tags = opusTags(OPUS_VENDOR);
  const pages: Page[] = [
    { packets: [head], granule: 0, flags: FLAG_BOS },
    { packets: [tags], granule: 0, flags: 0 },
  ];
  let first = 0;
  while (first < packets.length) {
    let end = first;
    let body = 0;
    let segments = 0;
    while (end < packets.length && end - first < PAGE_MAX_PACKETS) {
      const size = (packets[end] as Uint8Array).length;
      const laces = Math.floor(size / 255) + 1;
      if (end > first && (body + size > PAGE_MAX_BODY || segments + laces > 255)) break;
      body += size;
      segments += laces;
      end++;
    }
    const last = end === packets.length;
    pages.push({
      packets: packets.slice(first, end),
      granule: last ? endGranule : end * stream.packetSamples,
      flags: last ? FLAG_EOS : 0,
    });
    first = end;
  }
  // A decoder can only trim samples from the last page: it must hold more audio than it trims.
  const beforeLast = pages.length > 3 ? (pages[pages.length - 2] as Page).granule : 0;
  if (endGranule <= beforeLast) throw new Error(`the last page would trim more samples than it holds`);

  const size = pages.reduce((sum, page) => sum + pageSize(page), 0);
  const out = new Uint8Array(size);
  let offset = 0;
  pages.forEach((page, sequence) => {
    offset = writePage(out, offset, page, sequence);
  });
  return out;
}

interface Page {
  readonly packets: readonly Uint8Array[];
  readonly granule: number;
  readonly flags: number;
}

function pageSize(page: Page): number {
  return page.packets.reduce((sum, packet) => sum + Math.floor(packet.length / 255) + 1 + packet.length, 27);
}

function writePage(out: Uint8Array, start: number, page: Page, sequence: number): number {
  const view = new DataView(out.buffer, out.byteOffset + start);
  out.set([0x4f, 0x67, 0x67, 0x53], start); // "OggS"
  view.setUint8(4, 0); // version
  view.setUint8(5, page.flags);
  view.setUint32(6, page.granule % 2 ** 32, true);
  view.setUint32(10, Math.floor(page.granule / 2 ** 32), true);
  view.setUint32(14, OGG_SERIAL, true);
  view.setUint32(18, sequence, true);
  view.setUint32(22, 0, true); // checksum, filled in below
  let at = start + 27;
  for (const packet of page.packets) {
    for (let left = packet.length; ; left -= 255) {
      out[at++] = Math.min(left, 255);
      if (left < 255) break;
    }
  }
  view.setUint8(26, at - start - 27);
  for (const packet of page.packets) {
    out.set(packet, at);
    at += packet.length;
  }
  view.setUint32(22, oggCrc32(out.subarray(start, at)), true);
  return at;
}

/** OpusHead: version 1, one channel, pre-skip, input rate, no output gain, channel mapping family 0. */
function opusHead(preSkip: number, inputSampleRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(Buffer.from('OpusHead', 'latin1'));
  view.setUint8(8, 1);
  view.setUint8(9, 1);
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true);
  view.setUint8(18, 0);
  return head;
}

/** OpusTags: the vendor string and no user comments. */
function opusTags(vendor: string): Uint8Array {
  const vendorBytes = Buffer.from(vendor, 'utf8');
  const tags = new Uint8Array(8 + 4 + vendorBytes.length + 4);
  const view = new DataView(tags.buffer);
  tags.set(Buffer.from('OpusTags', 'latin1'));
  view.setUint32(8, vendorBytes.length, true);
  tags.set(vendorBytes, 12);
  view.setUint32(12 + vendorBytes.length, 0, true);
  return tags;
}

/** Ogg's CRC-32: polynomial 0x04c11db7, most significant bit first, initial value 0, no final xor. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc32(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = (crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number);
  return crc >>> 0;
}
