import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Performance } from '../../src/render/performance.js';
import { TAIL_SECONDS, addRoomReverb, synthesize, voiceForProgram, type VoiceName } from '../../src/render/synth.js';

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

function rms(samples: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
}

/** The room reverb written the textbook way (filter objects, one step per call): the reference for the inlined loop. */
function referenceReverb(samples: Float32Array, sampleRate: number, mix: number): void {
  // The delay lines hold doubles, as addRoomReverb's do.
  const line = (d: number) => ({ buffer: new Float64Array(Math.round((d * sampleRate) / 44100)), pointer: 0, damped: 0 });
  const combs = [1116, 1188, 1277, 1356].map(line);
  const passes = [556, 441].map(line);
  const advance = (l: ReturnType<typeof line>, value: number) => {
    l.buffer[l.pointer] = value;
    l.pointer = (l.pointer + 1) % l.buffer.length;
  };
  for (let i = 0; i < samples.length; i++) {
    const dry = samples[i] ?? 0;
    let sum = 0;
    for (const comb of combs) {
      const delayed = comb.buffer[comb.pointer] ?? 0;
      comb.damped = 0.8 * delayed + 0.2 * comb.damped;
      advance(comb, dry + 0.78 * comb.damped);
      sum += delayed;
    }
    let wet = 0.25 * sum;
    for (const pass of passes) {
      const delayed = pass.buffer[pass.pointer] ?? 0;
      advance(pass, wet + 0.5 * delayed);
      wet = delayed - 0.5 * wet;
    }
    samples[i] = (1 - mix) * dry + mix * wet;
  }
}

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

  for (const voice of VOICES) {
    it(`${voice}: is deterministic, and the reverb tail rings on after the note and dies away`, () => {
      const performance: Performance = { program: 0, notes: [{ pitch: 64, start: 0, duration: 0.5 }, { pitch: 67, start: 0.5, duration: 0.5 }] };
      const samples = synthesize(performance, { voice, sampleRate: 22050 });
      assert.deepEqual(samples, synthesize(performance, { voice, sampleRate: 22050 }));
      const reordered = synthesize({ ...performance, notes: [...performance.notes].reverse() }, { voice, sampleRate: 22050 });
      assert.notDeepEqual(samples, reordered, 'the noise of a note depends on its place');
      const ms = (t: number) => Math.round(t * 22050);
      const music = rms(samples, 0, ms(1));
      // The notes' own release is over by 1.15 s; after it, only the reverb sounds, fading step by step.
      const tail = [1.2, 1.35, 1.5, 1.65, 1.8].map((t) => rms(samples, ms(t), ms(t + 0.1)));
      assert.ok((tail[0] ?? 0) > 1e-3 * music, `${voice}: the reverb is heard after the notes (${tail[0]} vs ${music})`);
      for (let k = 1; k < tail.length; k++) assert.ok((tail[k] ?? 0) < 0.7 * (tail[k - 1] ?? 0), `${voice}: tail ${tail.join(', ')}`);
      assert.ok((tail[4] ?? 0) < 1e-3 * music, `${voice}: the tail dies away (${tail[4]} vs ${music})`);
    });
  }

  it('sustained voices follow their envelope: raised-cosine attack, decay to the sustain level, release', () => {
    const voices = {
      flute: { attack: 0.05, decay: 0.15, sustain: 0.82, release: 0.12 },
      reed: { attack: 0.035, decay: 0.1, sustain: 0.85, release: 0.09 },
      bowed: { attack: 0.07, decay: 0.2, sustain: 0.9, release: 0.15 },
    };
    for (const [voice, { attack, decay, sustain, release }] of Object.entries(voices)) {
      const duration = 0.6;
      const samples = synthesize(oneNote(69, duration), { voice: voice as VoiceName, reverb: 0 });
      const expected = (t: number) => {
        const held = (s: number) => (s < attack ? 0.5 * (1 - Math.cos((Math.PI * s) / attack)) : sustain + (1 - sustain) * Math.exp(-(s - attack) / decay));
        return t < duration ? held(t) : held(duration) * 0.5 * (1 + Math.cos((Math.PI * (t - duration)) / release));
      };
      // Windows of four periods of A4 (about 9 ms), so that the tone's RMS does not depend on where the window
      // falls in the period: RMS = envelope RMS over the window times the tone's RMS, scaled so that the held
      // level at 0.45 s matches. The breath noise and its attack burst add up to about 1 percent.
      const window = Math.round((4 * RATE) / 440);
      const envelopeRms = (from: number) => {
        let sum = 0;
        for (let i = from; i < from + window; i++) sum += expected(i / RATE) ** 2;
        return Math.sqrt(sum / window);
      };
      const level = (from: number) => rms(samples, from, from + window);
      const reference = Math.round(0.45 * RATE);
      const scale = level(reference) / envelopeRms(reference);
      for (let from = Math.round(0.005 * RATE); from + window < (duration + release) * RATE; from += window) {
        const [got, want] = [level(from) / scale, envelopeRms(from)];
        assert.ok(Math.abs(got - want) < 0.02, `${voice} at ${(from / RATE).toFixed(3)} s: level ${got.toFixed(3)}, expected ${want.toFixed(3)}`);
      }
    }
  });

  it('sustained voices keep their breath/bow noise: level and colour in the sustain, a burst at the attack', () => {
    // At G3 every voice's tone lies below 2.8 kHz, so a steep high-pass (a fourth-order difference) keeps
    // mostly the noise. Its RMS relative to the whole signal's, as the voices sounded before the synthesizer's
    // loops were optimized (a different noise generator may move these by a percent or two).
    const expected = { flute: 0.556, reed: 0.319, bowed: 0.516 };
    const highPassRms = (x: Float32Array, from: number, to: number) => {
      let sum = 0;
      for (let i = from; i < to; i++) sum += ((x[i] ?? 0) - 4 * (x[i - 1] ?? 0) + 6 * (x[i - 2] ?? 0) - 4 * (x[i - 3] ?? 0) + (x[i - 4] ?? 0)) ** 2;
      return Math.sqrt(sum / (to - from));
    };
    const ratio = (x: Float32Array, from: number, to: number) => highPassRms(x, Math.round(from * RATE), Math.round(to * RATE)) / rms(x, Math.round(from * RATE), Math.round(to * RATE));
    for (const [voice, sustained] of Object.entries(expected)) {
      const samples = synthesize(oneNote(55), { voice: voice as VoiceName, reverb: 0 });
      const held = ratio(samples, 0.4, 0.9);
      assert.ok(Math.abs(held / sustained - 1) < 0.1, `${voice}: noise ratio ${held.toFixed(3)}, expected ${sustained}`);
      const attack = ratio(samples, 0.01, 0.03);
      assert.ok(attack > 1.8 * held, `${voice}: attack noise ratio ${attack.toFixed(3)} vs ${held.toFixed(3)} held`);
    }
  });

  it('plucked: a note is damped after its end with an 80 ms raised-cosine release', () => {
    const samples = synthesize(oneNote(69, 0.5), { voice: 'plucked', reverb: 0 });
    const at = (t: number) => rms(samples, Math.round(t * RATE), Math.round((t + 0.01) * RATE));
    const before = at(0.49);
    // Gain 0.5 (1 + cos(pi t / 80 ms)) after the end: RMS 0.5 around the middle, about 0.02 in the last 10 ms.
    assert.ok(Math.abs(at(0.535) / before - 0.5) < 0.1, `middle of the release: ${(at(0.535) / before).toFixed(3)}`);
    assert.ok(at(0.57) / before < 0.035, `end of the release: ${(at(0.57) / before).toFixed(3)}`);
    assert.ok(samples.subarray(Math.round(0.58 * RATE) + 1).every((v) => v === 0), 'silent after the release');
  });

  it('flute vibrato: a held note wavers about ±14 cents around the pitch, about 5 times a second', () => {
    const samples = synthesize(oneNote(69, 2.5), { voice: 'flute', reverb: 0 });
    // Pitch every 20 ms (40 ms windows) once the vibrato has faded in (0.22 + 0.3 s).
    const deviations: number[] = [];
    for (let t = 0.6; t < 2.4; t += 0.02) deviations.push(cents(fundamental(samples, Math.round(t * RATE), Math.round((t + 0.04) * RATE)), 69));
    const mean = deviations.reduce((a, b) => a + b, 0) / deviations.length;
    const extent = Math.max(...deviations.map(Math.abs));
    assert.ok(Math.abs(mean) < 3, `mean ${mean.toFixed(1)} cents`);
    assert.ok(extent > 8 && extent < 20, `extent ${extent.toFixed(1)} cents`);
    const crossings = deviations.filter((d, k) => k > 0 && Math.sign(d) !== Math.sign(deviations[k - 1] ?? 0)).length;
    const hz = crossings / 2 / 1.8;
    assert.ok(hz > 4 && hz < 6, `vibrato at ${hz.toFixed(2)} Hz`);
  });

  it('addRoomReverb matches the textbook comb and all-pass filters sample for sample', () => {
    for (const sampleRate of [22050, 44100, 48000]) {
      // Long enough for every delay line to wrap around many times; noise bursts and silence.
      const input = new Float32Array(sampleRate);
      let state = 12345;
      for (let i = 0; i < input.length; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        input[i] = (i % 5000) < 2000 ? state / 2147483648 - 0.5 : 0;
      }
      const expected = input.slice();
      referenceReverb(expected, sampleRate, 0.3);
      const actual = input.slice();
      addRoomReverb(actual, sampleRate, 0.3);
      assert.deepEqual(actual, expected, `at ${sampleRate} Hz`);
    }
  });

  it('is deterministic and depends on the notes', () => {
    const performance: Performance = { program: 24, notes: [{ pitch: 60, start: 0, duration: 0.4 }, { pitch: 64, start: 0.4, duration: 0.4 }] };
    assert.deepEqual(synthesize(performance), synthesize(performance));
    const other: Performance = { ...performance, notes: [{ pitch: 60, start: 0, duration: 0.4 }, { pitch: 65, start: 0.4, duration: 0.4 }] };
    assert.notDeepEqual(synthesize(performance), synthesize(other));
  });

  it('writes into a reused buffer exactly what it returns fresh, and ignores one too short', () => {
    const tune: Performance = { program: 73, notes: [60, 64, 67].map((pitch, k) => ({ pitch, start: k * 0.3, duration: 0.3 })) };
    const fresh = synthesize(tune, { sampleRate: 22050 });
    const buffer = new Float32Array(fresh.length + 5000).fill(0.5);
    const reused = synthesize(tune, { sampleRate: 22050, buffer });
    assert.equal(reused.buffer, buffer.buffer, 'the result is a view of the buffer');
    assert.deepEqual(reused, fresh);
    const short = new Float32Array(10);
    const instead = synthesize(tune, { sampleRate: 22050, buffer: short });
    assert.notEqual(instead.buffer, short.buffer);
    assert.deepEqual(instead, fresh);
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
