// Adds a Xing header to a variable-bitrate MP3. LAME as built into wasm-media-encoders streams frames without
// one, and players (Chromium, hence Discord; iOS) then guess a VBR file's duration from its first frame's
// bitrate, showing a wrong length and seeking badly. The Xing frame carries the frame count, byte count and
// a seek table, exactly what they need.

/** MPEG-1 Layer III bitrates in kbit/s by header index (0: free format, 15: invalid). */
const MPEG1_LAYER3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0];
const MPEG1_SAMPLE_RATES = [44100, 48000, 32000, 0];
/** Bitrate index of the Xing frame: 64 kbit/s leaves 192..288 bytes, room for the 120-byte Xing data. */
const XING_BITRATE_INDEX = 5;

interface FrameHeader {
  readonly length: number;
  readonly sampleRate: number;
  readonly mono: boolean;
}

/** Reads an MPEG-1 Layer III frame header at `offset`, or null when there is none. */
function frameHeaderAt(data: Uint8Array, offset: number): FrameHeader | null {
  if (offset + 4 > data.length) return null;
  const [b0, b1, b2, b3] = [data[offset] ?? 0, data[offset + 1] ?? 0, data[offset + 2] ?? 0, data[offset + 3] ?? 0];
  // Sync (11 bits), MPEG-1 (11), Layer III (01); the protection bit may be either.
  if (b0 !== 0xff || (b1 & 0xfe) !== 0xfa) return null;
  const kbps = MPEG1_LAYER3_KBPS[b2 >> 4] ?? 0;
  const sampleRate = MPEG1_SAMPLE_RATES[(b2 >> 2) & 3] ?? 0;
  if (kbps === 0 || sampleRate === 0) return null;
  const padding = (b2 >> 1) & 1;
  return { length: Math.floor((144000 * kbps) / sampleRate) + padding, sampleRate, mono: b3 >> 6 === 3 };
}

/**
 * Returns the MP3 with a Xing header frame in front (frames, bytes and a 100-entry seek table), or the input
 * unchanged when it is not a clean MPEG-1 Layer III stream (then there is nothing safe to describe).
 */
export function withXingHeader(mp3: Uint8Array): Uint8Array {
  const first = frameHeaderAt(mp3, 0);
  if (!first) return mp3;
  const offsets: number[] = [];
  let offset = 0;
  while (offset < mp3.length) {
    const header = frameHeaderAt(mp3, offset);
    if (!header || header.sampleRate !== first.sampleRate) return mp3;
    offsets.push(offset);
    offset += header.length;
  }
  if (offset !== mp3.length || offsets.length === 0) return mp3;

  const xingLength = Math.floor((144000 * (MPEG1_LAYER3_KBPS[XING_BITRATE_INDEX] ?? 0)) / first.sampleRate);
  const frame = new Uint8Array(xingLength);
  // The first frame's header with the Xing bitrate, no padding, no CRC.
  frame[0] = 0xff;
  frame[1] = 0xfb;
  frame[2] = (XING_BITRATE_INDEX << 4) | ((mp3[2] ?? 0) & 0x0c);
  frame[3] = mp3[3] ?? 0;
  // The Xing data follows the side information: 17 bytes for mono MPEG-1, 32 for stereo.
  const at = 4 + (first.mono ? 17 : 32);
  const view = new DataView(frame.buffer);
  frame.set([0x58, 0x69, 0x6e, 0x67], at); // "Xing"
  view.setUint32(at + 4, 0x1 | 0x2 | 0x4); // frames, bytes and TOC present
  view.setUint32(at + 8, offsets.length);
  const totalBytes = xingLength + mp3.length;
  view.setUint32(at + 12, totalBytes);
  // TOC: for each percent of the duration, the byte position as a fraction (of 256) of the file.
  for (let percent = 0; percent < 100; percent++) {
    const frameIndex = Math.min(offsets.length - 1, Math.floor((percent / 100) * offsets.length));
    const position = xingLength + (offsets[frameIndex] ?? 0);
    frame[at + 16 + percent] = Math.min(255, Math.floor((256 * position) / totalBytes));
  }
  const result = new Uint8Array(totalBytes);
  result.set(frame, 0);
  result.set(mp3, xingLength);
  return result;
}
