// How close one rendering of a tune is to another: a plain SNR (sample by sample, for new synth code against old)
// and the "partials SNR" that ogg-opus.ts's header quotes (decoded Opus against its input, in 50 ms windows over
// the spectral bins within 30 dB of the window's loudest: the audible partials). For benchmarks; not used by folkbot.
import { OggOpusDecoder } from 'ogg-opus-decoder';

/** 10 log10(signal energy / difference energy) over the common length, in dB (Infinity when identical). */
export function snr(reference: Float32Array, test: Float32Array): number {
  let signal = 0;
  let noise = 0;
  const length = Math.min(reference.length, test.length);
  for (let i = 0; i < length; i++) {
    const x = reference[i]!;
    signal += x * x;
    noise += (x - test[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size / 2;
    const step = (-2 * Math.PI) / size;
    for (let k = 0; k < half; k++) {
      const c = Math.cos(step * k);
      const s = Math.sin(step * k);
      for (let i = k; i < n; i += size) {
        const j = i + half;
        const xr = re[j]! * c - im[j]! * s;
        const xi = re[j]! * s + im[j]! * c;
        re[j] = re[i]! - xr;
        im[j] = im[i]! - xi;
        re[i] = re[i]! + xr;
        im[i] = im[i]! + xi;
      }
    }
  }
}

/**
 * Median over 50 ms Hann windows (silent ones skipped) of the SNR of `test` against `reference` over the bins
 * within 30 dB of the window's loudest bin, in dB.
 */
export function partialsSnr(reference: Float32Array, test: Float32Array, sampleRate: number): number {
  const window = Math.round(0.05 * sampleRate);
  let size = 1;
  while (size < window) size *= 2;
  const values: number[] = [];
  const [ar, ai, br, bi] = [new Float64Array(size), new Float64Array(size), new Float64Array(size), new Float64Array(size)];
  const length = Math.min(reference.length, test.length);
  for (let at = 0; at + window <= length; at += window) {
    for (const array of [ar, ai, br, bi]) array.fill(0);
    let energy = 0;
    for (let i = 0; i < window; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / window);
      ar[i] = reference[at + i]! * w;
      br[i] = test[at + i]! * w;
      energy += reference[at + i]! ** 2;
    }
    if (energy / window < 1e-7) continue;
    fft(ar, ai);
    fft(br, bi);
    let loudest = 0;
    for (let k = 0; k < size / 2; k++) loudest = Math.max(loudest, ar[k]! ** 2 + ai[k]! ** 2);
    let signal = 0;
    let noise = 0;
    for (let k = 0; k < size / 2; k++) {
      const power = ar[k]! ** 2 + ai[k]! ** 2;
      if (power < loudest * 1e-3) continue;
      signal += power;
      noise += (ar[k]! - br[k]!) ** 2 + (ai[k]! - bi[k]!) ** 2;
    }
    values.push(10 * Math.log10(signal / noise));
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? NaN;
}

/** Decodes an Ogg Opus file (to 48 kHz) and returns its samples at `sampleRate` (a divisor of 48000), mono. */
export async function decodeOggOpus(data: Uint8Array, sampleRate: number): Promise<Float32Array> {
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  try {
    const decoded = await decoder.decodeFile(data);
    if (decoded.errors.length > 0) throw new Error(`the Ogg Opus file does not decode: ${JSON.stringify(decoded.errors[0])}`);
    const samples = decoded.channelData[0]!.subarray(0, decoded.samplesDecoded);
    // The input held nothing above its Nyquist frequency, so every n-th sample is the input's grid.
    const step = decoded.sampleRate / sampleRate;
    return Float32Array.from({ length: Math.floor(samples.length / step) }, (_, i) => samples[i * step]!);
  } finally {
    decoder.free();
  }
}
