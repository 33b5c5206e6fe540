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
      // Grays (as verovio's anti-aliased ink on white gives) and one pure red pixel, which comes out black (its
      // green channel), not white.
      const level = i === 12 ? 0 : (i * 37) % 256;
      rgba.set(i === 12 ? [255, 0, 0, 255] : [level, level, level, 255], i * 4);
      expected.push(level);
    }
    const png = decode(encodeGrayPng(rgba, width, height));
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.equal(png.channels, 1);
    assert.equal(png.depth, 8);
    assert.deepEqual(Array.from(png.data), expected);
  });

  it('codes a score-like page (white, thin gray lines) in a few kilobytes', () => {
    const width = 1200;
    const height = 800;
    const rgba = new Uint8Array(width * height * 4).fill(255);
    // Staff-like lines: two rows of anti-aliased gray every 18 rows, across the page, and a stem every 60 columns.
    for (let y = 40; y < height - 40; y += 18) {
      for (let x = 60; x < width - 60; x++) {
        rgba.fill(90, (y * width + x) * 4, (y * width + x) * 4 + 3);
        rgba.fill(200, ((y + 1) * width + x) * 4, ((y + 1) * width + x) * 4 + 3);
      }
    }
    for (let x = 100; x < width - 100; x += 60) for (let y = 50; y < 120; y++) rgba.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
    const encoded = encodeGrayPng(rgba, width, height);
    // Stored without compression it would be 961 KB.
    assert.ok(encoded.length < 20_000, `${encoded.length} bytes`);
    const png = decode(encoded);
    assert.equal(png.channels, 1);
    assert.equal(png.data[(41 * width + 500)], 200);
    assert.equal(png.data[(75 * width + 100)], 0);
    assert.equal(png.data[(10 * width + 10)], 255);
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
