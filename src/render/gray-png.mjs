// PNG encoder for the score pictures: 8-bit grayscale, rows unfiltered, deflated by Node's native zlib with its
// run-length strategy (Z_RLE). A score is black ink on white, so one channel loses nothing. By hand because the
// PNG libraries at hand encode RGBA or deflate in JavaScript (fast-png, which the tests use to decode, runs pako);
// the format part is a few lines.
//
// Measured on 12 scores of 16 bars at 1200 px (CPU per picture, the machine shared, load average 6.6; see the
// notes of issue 13): rows filtered against the row above ("Up"), Rec. 709 luma and zlib's default level took
// 17-50 ms a picture, most of it the luma and filter loops in JavaScript. Unfiltered rows give zlib long runs of
// white and of the staff lines' gray levels, which Z_RLE codes as well as the default level coded the filtered
// rows (369 against 375 KB for the 12) in 6-14 ms, 4-10 ms of it picking the gray channel out of the RGBA. The
// default level on unfiltered rows gives 14% smaller files in twice the time; level 2, 16% larger ones.
//
// Plain JavaScript because the engraver worker, which runs without tsx, uses it.

import { constants, crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FILTER_NONE = 0;

// A scratch buffer reused from picture to picture (an engraver makes thousands): a fresh one would be a megabyte
// of garbage per picture, which the garbage collector frees only after tens of pictures.
let scratch = new Uint8Array(0);

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes opaque gray RGBA pixels (width * height * 4 bytes, row by row, R = G = B as resvg draws black ink on
 * white) as a grayscale PNG whose level is each pixel's green channel; alpha is ignored. A coloured pixel also
 * becomes its green channel (the largest share of luma, 72%: red or blue marks come out dark, never lost). The
 * result owns its ArrayBuffer, so it can be transferred.
 */
export function encodeGrayPng(rgba, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad PNG size ${width}x${height}`);
  if (rgba.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const stride = width + 1;
  if (scratch.length < stride * height) scratch = new Uint8Array(stride * height);
  const rows = scratch.subarray(0, stride * height);
  for (let y = 0; y < height; y++) {
    const start = y * stride;
    rows[start] = FILTER_NONE;
    const end = start + stride;
    for (let out = start + 1, p = y * width * 4 + 1; out < end; out++, p += 4) rows[out] = rgba[p];
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  // compression, filter method and interlace stay 0
  const data = deflateSync(rows, { strategy: constants.Z_RLE });
  // A copy: Buffer.concat may return a slice of Node's shared pool, which must never be transferred.
  return new Uint8Array(Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]));
}
