import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Performance } from '../../src/render/performance.js';
import { TAIL_SECONDS, synthesize, voiceForProgram, type VoiceName } from '../../src/render/synth.js';

const RATE = 44100;
const VOICES: readonly VoiceName[] = ['plucked', 'flute', 'reed', 'bowed'];

/** Fundamental frequency by autocorrelation over samples [from, to), refined by a parabola through the peak. */
function fundamental(samples: Float32Array, from: number, to: number): number {
  const correlation = (lag: number): number => {
    let sum = 0;
    for (let i = from; i + lag < to; i++) sum += (samples[i] ?? 0) * (samples[i + lag] ?? 0);
    return sum;
  };
  // Search lags for 100..1000 Hz: the first strong peak, so octave errors on rich spectra are avoided.
  let bestLag = 0;
  let best = -Infinity;
  for (let lag = Math.floor(RATE / 1000); lag <= Math.ceil(RATE / 100); lag++) {
    const value = correlation(lag);
    if (value > best) {
      best = value;
      bestLag = lag;
    }
  }
  const [a, b, c] = [correlation(bestLag - 1), best, correlation(bestLag + 1)];
  return RATE / (bestLag + (0.5 * (a - c)) / (a - 2 * b + c));
}

function cents(hz: number, pitch: number): number {
  return 1200 * Math.log2(hz / (440 * 2 ** ((pitch - 69) / 12)));
}

const oneNote = (pitch: number, duration = 1): Performance => ({ program: 0, notes: [{ pitch, start: 0, duration }] });

describe('voiceForProgram', () => {
  it('maps General MIDI families loosely to the built-in voices', () => {
    const expected: [number, VoiceName][] = [
      [0, 'plucked'], [24, 'plucked'], [25, 'plucked'], [33, 'plucked'], [46, 'plucked'], [105, 'plucked'],
      [73, 'flute'], [74, 'flute'], [78, 'flute'],
      [71, 'reed'], [68, 'reed'], [21, 'reed'], [109, 'reed'], [56, 'reed'],
      [40, 'bowed'], [42, 'bowed'], [110, 'bowed'], [48, 'bowed'],
    ];
    for (const [program, voice] of expected) assert.equal(voiceForProgram(program), voice, `program ${program}`);
  });
});

describe('synthesize', () => {
  for (const voice of VOICES) {
    it(`${voice}: plays in tune from G3 to A5`, () => {
      for (const pitch of [55, 62, 69, 76, 81]) {
        const samples = synthesize(oneNote(pitch), { voice, reverb: 0 });
        // 0.1..0.3 s: after the attack, while vibrato (if any) is still small.
        const hz = fundamental(samples, Math.round(0.1 * RATE), Math.round(0.3 * RATE));
        assert.ok(Math.abs(cents(hz, pitch)) < 8, `${voice} pitch ${pitch}: ${hz.toFixed(2)} Hz is ${cents(hz, pitch).toFixed(1)} cents off`);
      }
    });

    it(`${voice}: starts and ends every note from and to silence (no clicks), rests are silent`, () => {
      const performance: Performance = {
        program: 0,
        notes: [
          { pitch: 67, start: 0, duration: 0.5 },
          { pitch: 71, start: 1.5, duration: 0.5 },
        ],
      };
      const samples = synthesize(performance, { voice, reverb: 0 });
      const peak = samples.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
      assert.ok(peak > 0.1, 'audible');
      // The first samples of each note rise from zero.
      for (const start of [0, 1.5]) {
        const first = Math.round(start * RATE);
        assert.ok(Math.abs(samples[first] ?? 1) < 0.02 * peak, `${voice}: onset at ${start} s starts at ${samples[first]}`);
      }
      // The rest between 0.5 + release (< 0.2 s) and 1.5 s is digital silence without reverb.
      for (let i = Math.round(0.7 * RATE); i < Math.round(1.5 * RATE); i++) assert.equal(samples[i], 0, `${voice}: sample ${i} in the rest`);
      // The release ends at (almost) zero: no step when a note stops.
      const end = Math.round(2.0 * RATE);
      const tail = samples.subarray(end, end + Math.round(0.3 * RATE));
      const lastNonZero = tail.findLastIndex((v) => v !== 0);
      assert.ok(lastNonZero < 0 || Math.abs(tail[lastNonZero] ?? 0) < 0.01 * peak, `${voice}: release ends at ${tail[lastNonZero]}`);
    });
  }

  it('is deterministic and depends on the notes', () => {
    const performance: Performance = { program: 24, notes: [{ pitch: 60, start: 0, duration: 0.4 }, { pitch: 64, start: 0.4, duration: 0.4 }] };
    assert.deepEqual(synthesize(performance), synthesize(performance));
    const other: Performance = { ...performance, notes: [{ pitch: 60, start: 0, duration: 0.4 }, { pitch: 65, start: 0.4, duration: 0.4 }] };
    assert.notDeepEqual(synthesize(performance), synthesize(other));
  });

  it('normalizes loudness: quiet and loud input come out at the same level', () => {
    const soft = synthesize({ program: 73, notes: [{ pitch: 69, start: 0, duration: 1, velocity: 20 }] });
    const loud = synthesize({ program: 73, notes: [{ pitch: 69, start: 0, duration: 1, velocity: 127 }] });
    const rms = (x: Float32Array) => Math.sqrt(x.subarray(0, RATE).reduce((s, v) => s + v * v, 0) / RATE);
    assert.ok(Math.abs(rms(soft) - rms(loud)) < 0.01, `${rms(soft)} vs ${rms(loud)}`);
    assert.ok(rms(loud) > 0.1 && rms(loud) < 0.15);
  });

  it('lasts the performance length plus the tail', () => {
    const samples = synthesize({ program: 73, notes: [{ pitch: 69, start: 0, duration: 1 }], durationSeconds: 2 });
    assert.equal(samples.length, Math.ceil((2 + TAIL_SECONDS) * RATE));
  });
});
