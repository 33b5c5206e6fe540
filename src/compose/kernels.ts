// The compose pipeline's hot WebAssembly kernels, for processes that keep the rest of their WebAssembly on V8's
// baseline compiler (the bot; see src/util/wasm-tiering.mjs). A module of its own so that the bot's main thread,
// which compiles them, does not load the pipeline itself.
import type { AudioCodec } from './compose-options.js';
import { LSTM_KERNEL, lstmKernelBinary } from '../model/network/lstm-inference.js';
import { encoderBinary, MP3_ENCODER_KERNEL } from '../render/audio.js';
import { nativeOpusAvailable, OPUS_ENCODER_KERNEL, opusEncoderBinary } from '../render/ogg-opus.js';
import { precompileKernels, type CompiledWasm } from '../util/wasm-tiering.mjs';

/**
 * Compiles the pipeline's hot WebAssembly kernels fully optimised, for a process that keeps the rest of its
 * WebAssembly on V8's baseline compiler (src/util/wasm-tiering.mjs): the LSTM sampler and the encoder of each
 * audio codec given (Opus only where the native libopus does not load: it needs no wasm). Call it first thing, before other threads compile WebAssembly, and hand the result to worker
 * threads (adoptKernels).
 */
export function precompileComposeKernels(codecs: readonly AudioCodec[]): Record<string, CompiledWasm> {
  const encoders = Object.fromEntries(
    codecs.flatMap((codec) =>
      codec === 'mp3' ? [[MP3_ENCODER_KERNEL, encoderBinary('mp3')]] : nativeOpusAvailable() ? [] : [[OPUS_ENCODER_KERNEL, opusEncoderBinary()]],
    ),
  ) as Record<string, Uint8Array>;
  return precompileKernels({ ...encoders, [LSTM_KERNEL]: lstmKernelBinary() });
}
