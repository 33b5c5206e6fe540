import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MPEGDecoder } from 'mpg123-decoder';
import { createMp3Encoder } from 'wasm-media-encoders';
import { withXingHeader } from '../../src/render/mp3-xing.js';

/** A 2 s mono tone, quiet then loud. */
function tone(rate: number): Float32Array {
  return Float32Array.from({ length: 2 * rate }, (_, i) => (i < rate ? 0.05 : 0.6) * Math.sin((2 * Math.PI * 440 * i) / rate));
}

async function encodeVbr(rate: 44100 | 48000): Promise<Uint8Array> {
  const encoder = await createMp3Encoder();
  encoder.configure({ channels: 1, sampleRate: rate, vbrQuality: 5, outputSampleRate: rate });
  const body = encoder.encode([tone(rate)]).slice();
  const tail = encoder.finalize().slice();
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

describe('withXingHeader', () => {
  for (const rate of [44100, 48000] as const) {
    it(`describes a ${rate} Hz VBR stream: frame count, byte count, rising seek table`, async () => {
      const raw = await encodeVbr(rate);
      const tagged = withXingHeader(raw);
      const xingLength = tagged.length - raw.length;
      assert.equal(xingLength, Math.floor((144000 * 64) / rate));
      assert.deepEqual(tagged.subarray(xingLength), raw);
      const at = 4 + 17;
      assert.equal(new TextDecoder().decode(tagged.subarray(at, at + 4)), 'Xing');
      const view = new DataView(tagged.buffer, tagged.byteOffset);
      assert.equal(view.getUint32(at + 4), 7);
      // 2 s of 1152-sample frames, plus LAME's delay and padding: 84..86 frames at 44.1 kHz.
      const frames = view.getUint32(at + 8);
      assert.ok(Math.abs(frames - Math.ceil((2 * rate) / 1152)) <= 2, `${frames} frames`);
      assert.equal(view.getUint32(at + 12), tagged.length);
      const toc = Array.from(tagged.subarray(at + 16, at + 116));
      assert.ok(toc.every((value, i) => i === 0 || value >= (toc[i - 1] ?? 0)), 'seek table rises');
      // From the start (after the Xing frame) to near the end of the file.
      assert.ok((toc[0] ?? 255) <= Math.ceil((256 * xingLength) / tagged.length), `toc[0] = ${toc[0]}`);
      assert.ok((toc[99] ?? 0) > 240, `toc[99] = ${toc[99]}`);

      // Decoders take the Xing frame as a header, not as audio.
      const decoder = new MPEGDecoder({ enableGapless: false });
      await decoder.ready;
      const plain = decoder.decode(raw).samplesDecoded;
      await decoder.reset();
      const decoded = decoder.decode(tagged);
      decoder.free();
      assert.deepEqual(decoded.errors, []);
      assert.equal(decoded.samplesDecoded, plain);
      assert.equal(frames * 1152, plain);
    });
  }

  it('leaves data that is not a clean MPEG-1 Layer III stream unchanged', () => {
    const junk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(withXingHeader(junk), junk);
    assert.equal(withXingHeader(new Uint8Array()).length, 0);
  });
});
