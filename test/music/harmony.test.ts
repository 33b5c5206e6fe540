import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkHarmony, functionAgreement } from '../../src/music/harmony-check.js';
import { functionOfSymbol, harmonicSlots, harmonize, keyChords } from '../../src/music/harmony.js';
import { parseKern, parseKernWithChords } from '../../src/music/kern-parse.js';
import { barTicks, barlinesForMeter } from '../../src/music/kern-write.js';
import { keyOf } from '../../src/music/key.js';
import { TICKS_PER_QUARTER, type Melody, type MelodyEvent, type Meter } from '../../src/music/types.js';
import { repoRoot } from './paths.js';

const Q = TICKS_PER_QUARTER;
const HARMONY_FIXTURES = resolve(repoRoot, 'test/fixtures/harmony');

/** A melody from [MIDI pitch, quarters] pairs (pitch null: a rest) in a meter and key, with an optional pickup. */
function melodyOf(notes: readonly [number | null, number][], meter: Meter, key = keyOf(0, 'major'), pickup = 0): Melody {
  const events: MelodyEvent[] = [];
  let tick = 0;
  for (const [pitch, quarters] of notes) {
    const duration = quarters * Q;
    events.push(pitch === null ? { kind: 'rest', onset: tick, duration } : { kind: 'note', pitch, onset: tick, duration });
    tick += duration;
  }
  const meters = [{ tick: 0, meter }];
  return { title: 't', source: 'test', key, keySource: 'file', meters, barlines: barlinesForMeter(meters, tick, pickup), events, phraseStarts: [] };
}

function agreement(file: string): { agree: number; total: number } {
  const { melody, chords } = parseKernWithChords(readFileSync(resolve(HARMONY_FIXTURES, file), 'utf8'), file);
  return functionAgreement(melody, harmonize(melody), chords);
}

describe('harmonize on public-domain tunes with published chords', () => {
  const files = readdirSync(HARMONY_FIXTURES).filter((file) => file.endsWith('.krn')).sort();

  it('agrees with the published chord function (tonic, subdominant, dominant) on at least 80% of half bars', () => {
    let agree = 0;
    let total = 0;
    for (const file of files) {
      const result = agreement(file);
      agree += result.agree;
      total += result.total;
    }
    assert.ok(files.length >= 8 && total > 150, `fixtures: ${files.length}, half bars: ${total}`);
    assert.ok(agree / total >= 0.8, `agreement ${agree}/${total} = ${((100 * agree) / total).toFixed(1)}%`);
  });

  it('harmonises Twinkle, Twinkle as it is published: C C | F C | F C | G C', () => {
    const { melody } = parseKernWithChords(readFileSync(resolve(HARMONY_FIXTURES, 'twinkle-twinkle.krn'), 'utf8'), 'twinkle');
    const symbols = harmonize(melody).slots.slice(0, 8).map((span) => span.chord.symbol.replace('7', ''));
    assert.deepEqual(symbols, ['C', 'C', 'F', 'C', 'F', 'C', 'G', 'C']);
  });

  it('ends every fixture on its tonic after a dominant or subdominant, with no clash', () => {
    for (const file of files) {
      const melody = parseKern(readFileSync(resolve(HARMONY_FIXTURES, file), 'utf8'), file);
      const harmony = harmonize(melody);
      const check = checkHarmony(melody, harmony);
      assert.ok(check.endsOnTonic, `${file} ends on ${harmony.slots.at(-1)?.chord.symbol}`);
      assert.deepEqual(check.clashes, [], file);
      const beforeLast = harmony.changes.at(-2)?.chord.function;
      assert.ok(beforeLast === 'dominant' || beforeLast === 'subdominant', `${file}: the cadence comes from ${beforeLast}`);
    }
  });
});

describe('harmonicSlots', () => {
  it('splits 4/4 and 6/8 bars in halves, keeps 3/4 and 2/4 bars whole, and 5/4 as 3 + 2', () => {
    const lengths = (meter: Meter): number[] => {
      const bar = barTicks(meter) / Q;
      return harmonicSlots(melodyOf([[60, bar], [60, bar]], meter)).map((slot) => (slot.end - slot.start) / Q);
    };
    assert.deepEqual(lengths({ numerator: 4, denominator: 4 }), [2, 2, 2, 2]);
    assert.deepEqual(lengths({ numerator: 6, denominator: 8 }), [1.5, 1.5, 1.5, 1.5]);
    assert.deepEqual(lengths({ numerator: 3, denominator: 4 }), [3, 3]);
    assert.deepEqual(lengths({ numerator: 2, denominator: 4 }), [2, 2]);
    assert.deepEqual(lengths({ numerator: 5, denominator: 4 }), [3, 2, 3, 2]);
  });

  it('gives a pickup its own slots, counted back from its barline', () => {
    // 4/4 with a three-quarter pickup: the pickup holds the end of one half bar (1 beat) and a whole half bar.
    const melody = melodyOf([[55, 1], [57, 1], [59, 1], [60, 4], [60, 4]], { numerator: 4, denominator: 4 }, keyOf(0, 'major'), 3 * Q);
    const slots = harmonicSlots(melody);
    assert.deepEqual(slots.slice(0, 3).map((slot) => [slot.start / Q, slot.end / Q, slot.pickup]), [[0, 1, true], [1, 3, true], [3, 5, false]]);
  });

  it('gives the last note a slot of its own when it starts inside one, so that the cadence fits in the bar', () => {
    // 3/2: | D2 C4 | ends V-I inside the last bar.
    const melody = melodyOf([[64, 2], [62, 2], [67, 2], [62, 2], [60, 4]], { numerator: 3, denominator: 2 });
    const harmony = harmonize(melody);
    assert.deepEqual(harmony.slots.map((span) => span.chord.numeral).slice(-2), ['V', 'I']);
  });
});

describe('harmonize', () => {
  it('chooses the raised-leading-tone dominant in minor', () => {
    // A minor: A C E | G# B E | A.
    const melody = melodyOf([[69, 1], [72, 1], [76, 1], [68, 1], [71, 1], [76, 1], [69, 3]], { numerator: 3, denominator: 4 }, keyOf(9, 'minor'));
    const harmony = harmonize(melody);
    assert.deepEqual(harmony.changes.map((span) => span.chord.symbol), ['Am', 'E', 'Am']);
    assert.ok(harmony.changes[1]?.chord.pitchClasses.includes(8), 'E major holds G#');
  });

  it('follows a brief modulation to the dominant with the dominant of the dominant', () => {
    // C major, 4/4: C E G E | D F# A F# | G B D B | G F D B | C.
    const melody = melodyOf(
      [[60, 1], [64, 1], [67, 1], [64, 1], [62, 1], [66, 1], [69, 1], [66, 1], [67, 1], [71, 1], [74, 1], [71, 1], [67, 1], [65, 1], [62, 1], [59, 1], [60, 4]],
      { numerator: 4, denominator: 4 },
    );
    const numerals = harmonize(melody).slots.map((span) => span.chord.numeral);
    assert.match(numerals[2] ?? '', /^V7?\/V$/);
    assert.match(numerals[4] ?? '', /^V7?$/);
  });

  it('never puts a chord under a long strong-beat note that it does not hold', () => {
    // Every half-bar starts with a half note: each must be a chord tone.
    const pitches = [64, 65, 67, 69, 71, 72, 62, 60];
    const melody = melodyOf(pitches.map((pitch): [number, number] => [pitch, 2]), { numerator: 4, denominator: 4 });
    const harmony = harmonize(melody);
    harmony.slots.forEach((span, index) => {
      assert.ok(span.chord.pitchClasses.includes((pitches[index] ?? 0) % 12), `half bar ${index + 1}: ${span.chord.symbol}`);
    });
  });

  it('harmonises a half bar of rest and still ends on the tonic', () => {
    const melody = melodyOf([[67, 2], [null, 2], [62, 4], [60, 4]], { numerator: 4, denominator: 4 });
    const harmony = harmonize(melody);
    assert.equal(harmony.slots.length, 6);
    assert.equal(harmony.slots.at(-1)?.chord.numeral, 'I');
  });

  it('spells chord symbols for the key', () => {
    assert.deepEqual(keyChords(keyOf(2, 'major')).slice(0, 6).map((chord) => chord.symbol), ['D', 'Em', 'F#m', 'G', 'A', 'A7']);
    assert.deepEqual(keyChords(keyOf(5, 'major')).map((chord) => chord.symbol).slice(0, 4), ['F', 'Gm', 'Am', 'Bb']);
    assert.equal(keyChords(keyOf(7, 'minor')).find((chord) => chord.numeral === 'V7')?.symbol, 'D7');
  });
});

describe('functionOfSymbol', () => {
  it('reads published symbols in a key', () => {
    const c = keyOf(0, 'major');
    assert.equal(functionOfSymbol('C', c), 'tonic');
    assert.equal(functionOfSymbol('Am', c), 'tonic');
    assert.equal(functionOfSymbol('F', c), 'subdominant');
    assert.equal(functionOfSymbol('G7', c), 'dominant');
    assert.equal(functionOfSymbol('D7', c), 'subdominant');
    assert.equal(functionOfSymbol('Ebm', c), null);
    assert.equal(functionOfSymbol('C', keyOf(2, 'minor')), 'dominant');
  });
});
