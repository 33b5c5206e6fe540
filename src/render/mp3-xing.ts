// Adds a Xing header to a variable-bitrate MP3. LAME as built into wasm-media-encoders streams frames without
// one, and players (Chromium, hence Discord; iOS) then guess a VBR file's duration from its first frame's
// bitrate, showing a wrong length and seeking badly. The Xing frame carries the frame count, byte count and
// a seek table, exactly what they need.

/** Layer III bitrates in kbit/s by header index (0: free format, 15: invalid), for MPEG-1 and MPEG-2. */
const LAYER3_KBPS = {
  1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0],
  2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0],
} as const;
const SAMPLE_RATES = { 1: [44100, 48000, 32000, 0], 2: [22050, 24000, 16000, 0] } as const;
/** Bytes per kbit/s per Hz of a frame: 1152 samples (MPEG-1) or 576 (MPEG-2) / 8 bits. */
const FRAME_FACTOR = { 1: 144000, 2: 72000 } as const;
/** Bitrate index of the Xing frame: 64 kbit/s in both versions, room for the 120-byte Xing data. */
const XING_BITRATE_INDEX = { 1: 5, 2: 8 } as const;

interface FrameHeader {
  readonly version: 1 | 2;
  readonly length: number;
  readonly sampleRate: number;
  readonly mono: boolean;
}

/** Reads an MPEG-1 or MPEG-2 Layer III frame header at `offset`, or null when there is none. */
function frameHeaderAt(data: Uint8Array, offset: number): FrameHeader | null {
  if (offset + 4 > data.length) return null;
  const [b0, b1, b2, b3] = [data[offset] ?? 0, data[offset + 1] ?? 0, data[offset + 2] ?? 0, data[offset + 3] ?? 0];
  // Sync (11 bits), MPEG-1 (11) or MPEG-2 (10), Layer III (01); the protection bit may be either.
  if (b0 !== 0xff) return null;
  const version = (b1 & 0xfe) === 0xfa ? 1 : (b1 & 0xfe) === 0xf2 ? 2 : null;
  if (version === null) return null;
  const kbps = LAYER3_KBPS[version][b2 >> 4] ?? 0;
  const sampleRate = SAMPLE_RATES[version][(b2 >> 2) & 3] ?? 0;
  if (kbps === 0 || sampleRate === 0) return null;
  const padding = (b2 >> 1) & 1;
  return { version, length: Math.floor((FRAME_FACTOR[version] * kbps) / sampleRate) + padding, sampleRate, mono: b3 >> 6 === 3 };
}

/**
 * Returns the MP3 with a Xing header frame in front (frames, bytes and a 100-entry seek table), or the input
 * unchanged when it is not a clean MPEG-1/2 Layer III stream (then there is nothing safe to describe).
 */
export function withXingHeader(mp3: Uint8Array): Uint8Array {
  const first = frameHeaderAt(mp3, 0);
  if (!first) return mp3;
  const offsets: number[] = [];
  let offset = 0;
  while (offset < mp3.length) {
    const header = frameHeaderAt(mp3, offset);
    if (!header || header.sampleRate !== first.sampleRate || header.version !== first.version) return mp3;
    offsets.push(offset);
    offset += header.length;
  }
  if (offset !== mp3.length || offsets.length === 0) return mp3;

  const { version } = first;
  const bitrateIndex = XING_BITRATE_INDEX[version];
  const xingLength = Math.floor((FRAME_FACTOR[version] * (LAYER3_KBPS[version][bitrateIndex] ?? 0)) / first.sampleRate);
  const frame = new Uint8Array(xingLength);
  // The first frame's header with the Xing bitrate, no padding, no CRC.
  frame[0] = 0xff;
  frame[1] = version === 1 ? 0xfb : 0xf3;
  frame[2] = (bitrateIndex << 4) | ((mp3[2] ?? 0) & 0x0c);
  frame[3] = mp3[3] ?? 0;
  // The Xing data follows the side information: MPEG-1 17 bytes mono, 32 stereo; MPEG-2 9 mono, 17 stereo.
  const sideInformation = version === 1 ? (first.mono ? 17 : 32) : first.mono ? 9 : 17;
  const at = 4 + sideInformation;
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
