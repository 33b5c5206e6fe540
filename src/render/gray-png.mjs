// PNG encoder for the score pictures: 8-bit grayscale, each row filtered against the row above ("Up"), deflated
// by Node's native zlib. A score is black on white, so one channel loses nothing; against resvg's own RGBA PNG
// encoder this takes a third of the time and gives files less than half the size (measured on a 16-bar score at
// 1200 px: 10 vs 32 ms, 30 vs 71 KB).
//
// Plain JavaScript because the engraver worker, which runs without tsx, uses it.

import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FILTER_NONE = 0;
const FILTER_UP = 2;

// Two scratch buffers reused from picture to picture (an engraver makes thousands): fresh ones would be megabytes
// of garbage per picture, which the garbage collector frees only after tens of pictures.
const scratches = [new Uint8Array(0), new Uint8Array(0)];

function scratch(which, length) {
  if (scratches[which].length < length) scratches[which] = new Uint8Array(length);
  return scratches[which].subarray(0, length);
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes opaque RGBA pixels (width * height * 4 bytes, row by row) as a grayscale PNG; the gray level is the
 * pixel's luma (Rec. 709 weights), alpha is ignored. The result owns its ArrayBuffer, so it can be transferred.
 */
export function encodeGrayPng(rgba, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`bad PNG size ${width}x${height}`);
  if (rgba.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const gray = scratch(0, width * height);
  for (let i = 0, p = 0; i < gray.length; i++, p += 4) gray[i] = (rgba[p] * 54 + rgba[p + 1] * 183 + rgba[p + 2] * 19 + 128) >> 8;
  const stride = width + 1;
  const filtered = scratch(1, stride * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const out = y * stride;
    if (y === 0) {
      filtered[out] = FILTER_NONE;
      filtered.set(gray.subarray(0, width), out + 1);
      continue;
    }
    filtered[out] = FILTER_UP;
    for (let x = 0; x < width; x++) filtered[out + 1 + x] = (gray[row + x] - gray[row - width + x]) & 0xff;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  // compression, filter method and interlace stay 0
  // A copy: Buffer.concat may return a slice of Node's shared pool, which must never be transferred.
  return new Uint8Array(Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(filtered)), chunk('IEND', Buffer.alloc(0))]));
}
