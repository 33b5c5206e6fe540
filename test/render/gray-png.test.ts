import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { encodeGrayPng } from '../../src/render/gray-png.mjs';

describe('encodeGrayPng', () => {
  it('encodes RGBA as 8-bit grayscale that decodes back to the same levels', () => {
    const width = 7;
    const height = 5;
    const rgba = new Uint8Array(width * height * 4);
    const expected: number[] = [];
    for (let i = 0; i < width * height; i++) {
      // Grays (as verovio's anti-aliased ink on white gives) and one pure red pixel, which becomes its luma.
      const level = i === 12 ? 0 : (i * 37) % 256;
      rgba.set(i === 12 ? [255, 0, 0, 255] : [level, level, level, 255], i * 4);
      expected.push(i === 12 ? 54 : level);
    }
    const png = decode(encodeGrayPng(rgba, width, height));
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.equal(png.channels, 1);
    assert.equal(png.depth, 8);
    assert.deepEqual(Array.from(png.data), expected);
  });

  it('returns bytes that own their buffer (safe to transfer to another thread)', () => {
    const png = encodeGrayPng(new Uint8Array(4).fill(255), 1, 1);
    assert.equal(png.byteOffset, 0);
    assert.equal(png.buffer.byteLength, png.byteLength);
  });

  it('refuses a size that does not match the pixels', () => {
    assert.throws(() => encodeGrayPng(new Uint8Array(12), 2, 2), /expected 16 RGBA bytes for 2x2, got 12/);
    assert.throws(() => encodeGrayPng(new Uint8Array(0), 0, 1), /bad PNG size 0x1/);
  });
});
