// The events sampling grammar's shapes of written songs: the last bar that gives the pickup back, the final note on
// a strong beat, and the loop guard. Sampled with a network that has no opinion (all logits 0), so that only the
// grammar shapes the tunes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventsEncoding } from '../../src/model/encodings/events.js';
import { sampleTune, type TokenPredictor } from '../../src/model/generation/generator.js';
import type { SamplingRequest } from '../../src/model/encodings/encoding.js';
import { E, Q } from './melody-fixtures.js';

const vocabulary = ['|', '<end>', '<major>', '<minor>', '<M:2/4>', '<M:3/4>', '<M:4/4>', '<M:6/8>', 'r:1'];
for (const pitch of [60, 62, 64, 65, 67]) for (const length of ['1/2', '1', '3/2', '2', '3', '4']) vocabulary.push(`${pitch}:${length}`);
const encoding = new EventsEncoding({ name: 'events', vocabulary, options: {} });

function flat(): TokenPredictor {
  const logits = new Float32Array(encoding.vocabularySize);
  return { reset: () => undefined, feed: () => undefined, logits: () => logits };
}

function sample(request: Partial<SamplingRequest>, randomSeed: number) {
  const full: SamplingRequest = { meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 4, primer: [], pickup: 0, endOnTonic: true, ...request };
  return sampleTune(encoding, flat(), { ...full, temperature: 1, topP: 1, randomSeed });
}

test('with closingBar the last bar gives the pickup back: the tune lasts exactly its bars', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const events = sample({ meter: { numerator: 3, denominator: 4 }, pickup: Q, bars: 4, closingBar: true }, seed);
    const last = events[events.length - 1]!;
    assert.equal(last.onset + last.duration, 4 * 3 * Q, `seed ${seed}`);
  }
  // Without it, four full bars follow the pickup.
  const events = sample({ meter: { numerator: 3, denominator: 4 }, pickup: Q, bars: 4 }, 1);
  assert.equal(events[events.length - 1]!.onset + events[events.length - 1]!.duration, Q + 4 * 3 * Q);
});

test('finalOnStrongBeat: the final tonic starts on the downbeat or mid-bar (beat 2 in 3/4), never on the last beat', () => {
  const starts = new Set<string>();
  for (const [meter, strong] of [[{ numerator: 4, denominator: 4 }, [0, 2 * Q]], [{ numerator: 3, denominator: 4 }, [0, Q]], [{ numerator: 6, denominator: 8 }, [0, 3 * E]]] as const) {
    const bar = (meter.numerator * 4 * Q) / meter.denominator;
    for (let seed = 1; seed <= 60; seed++) {
      const events = sample({ meter, bars: 3, finalOnStrongBeat: true }, seed);
      const last = events[events.length - 1]!;
      assert.equal(last.kind, 'note');
      assert.equal(last.kind === 'note' && last.pitch % 12, 0, 'on the tonic');
      const offset = last.onset - 2 * bar;
      assert.ok((strong as readonly number[]).includes(offset), `${meter.numerator}/${meter.denominator} seed ${seed}: final note at ${offset} ticks into the bar`);
      starts.add(`${meter.numerator}/${meter.denominator}:${offset}`);
    }
  }
  assert.ok(starts.has('4/4:0') && starts.has(`4/4:${2 * Q}`), `both strong starts occur: ${[...starts].join(' ')}`);
});

test('finalPlace: the final tonic starts and lasts where the request says, rests after it; an impossible place gives way', () => {
  const meter = { numerator: 2, denominator: 4 };
  // The pickup and the short last bar make one bar: four bars in all.
  const end = 4 * 2 * Q;
  // (The vocabulary has only a quarter rest.)
  for (const place of [{ start: 3 * E, length: E }, { start: E, length: E }, { start: 3 * E, length: 3 * E }]) {
    for (let seed = 1; seed <= 30; seed++) {
      const events = sample({ meter, bars: 4, pickup: E, closingBar: true, finalOnStrongBeat: true, finalPlace: place }, seed);
      const last = events[events.length - 1]!;
      assert.equal(last.onset + last.duration, end, 'the tune lasts its bars');
      const notes = events.filter((event) => event.kind === 'note');
      const final = notes[notes.length - 1]!;
      assert.equal(final.kind === 'note' && final.pitch % 12, 0, 'on the tonic');
      assert.deepEqual([end - final.onset, final.duration], [place.start, place.length], `seed ${seed}`);
      // After the final only rests.
      assert.ok(events.filter((event) => event.onset > final.onset).every((event) => event.kind === 'rest'));
    }
  }
  // A place the vocabulary cannot build (no tonic note of 1/4 beat; no eighth rest) falls back to the strong-beat final.
  for (const finalPlace of [{ start: Q, length: Q / 4 }, { start: 3 * E, length: Q }]) {
    const events = sample({ meter, bars: 3, finalOnStrongBeat: true, finalPlace }, 1);
    const last = events[events.length - 1]!;
    assert.ok(last.kind === 'note' && [0, Q].includes(last.onset - 2 * 2 * Q));
  }
  assert.throws(() => sample({ meter, bars: 3, finalPlace: { start: Q, length: 2 * Q } }, 1), /finalPlace must have/);
});

test('the loop guard: never three identical bars in a row; it gives way when nothing else fits', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const events = sample({ meter: { numerator: 2, denominator: 4 }, bars: 12, maxRepeatedBars: 2, endOnTonic: false }, seed);
    const bars = new Map<number, string[]>();
    for (const event of events) {
      const bar = Math.floor(event.onset / (2 * Q));
      bars.set(bar, [...(bars.get(bar) ?? []), `${event.onset % (2 * Q)}:${event.kind === 'note' ? event.pitch : 'r'}:${event.duration}`]);
    }
    const texts = [...bars.values()].map((bar) => bar.join(' '));
    for (let i = 2; i < texts.length; i++) assert.ok(!(texts[i] === texts[i - 1] && texts[i] === texts[i - 2]), `seed ${seed}: bars ${i - 1}-${i + 1} are one bar three times`);
  }
  // A vocabulary with a single way to fill a bar: the guard must give way rather than leave no token.
  const tiny = new EventsEncoding({ name: 'events', vocabulary: ['|', '<end>', '<major>', '<minor>', '<M:2/4>', '60:2'], options: {} });
  const logits = new Float32Array(tiny.vocabularySize);
  const events = sampleTune(tiny, { reset: () => undefined, feed: () => undefined, logits: () => logits }, {
    meter: { numerator: 2, denominator: 4 }, mode: 'major', bars: 5, primer: [], pickup: 0, endOnTonic: true, maxRepeatedBars: 2, temperature: 1, topP: 1, randomSeed: 1,
  });
  assert.equal(events.length, 5);
});

test('a seed note of a length the vocabulary lacks is written as tied pieces it has; one it cannot write is named', () => {
  const tied = new EventsEncoding({ name: 'events', vocabulary: [...vocabulary, '~:1/2', '~:1'], options: {} });
  const logits = new Float32Array(tied.vocabularySize);
  const request = { meter: { numerator: 4, denominator: 4 }, mode: 'major' as const, bars: 3, pickup: 0, endOnTonic: true, temperature: 1, topP: 1, randomSeed: 4 };
  // 2.5 beats: 60:2 and a tie of half a beat; the seed's note comes back whole.
  const primer = [{ kind: 'note' as const, pitch: 60, onset: 0, duration: 5 * E }, { kind: 'note' as const, pitch: 62, onset: 5 * E, duration: E }];
  const events = sampleTune(tied, { reset: () => undefined, feed: () => undefined, logits: () => logits }, { ...request, primer });
  assert.deepEqual(events.slice(0, 2).map((e) => [e.kind === 'note' ? e.pitch : null, e.onset, e.duration]), [[60, 0, 5 * E], [62, 5 * E, E]]);
  const state = tied.startSampling({ ...request, primer });
  assert.deepEqual([...state.prefix.slice(2, 5)].map((id) => tied.config.vocabulary[id]), ['60:2', '~:1/2', '62:1/2']);
  // A sixteenth: no token is that short, and no tie makes one.
  assert.throws(() => tied.startSampling({ ...request, primer: [{ kind: 'note', pitch: 60, onset: 0, duration: Q / 4 }] }), /note number 1 \(token "60:1\/4".*shortest is 1\/2 beats/);
  assert.throws(() => tied.startSampling({ ...request, primer: [{ kind: 'note', pitch: 90, onset: 0, duration: Q }] }), /no notes of that pitch \(it writes MIDI pitches 60 to 67/);
});

test('finalPitchClass ends the tune on that pitch class instead of the tonic (a style that ends on its mode final)', () => {
  const finals = new Set<number>();
  for (let seed = 1; seed <= 30; seed++) {
    const events = sample({ meter: { numerator: 2, denominator: 4 }, bars: 4, finalPitchClass: 7, finalOnStrongBeat: true }, seed);
    const notes = events.filter((event) => event.kind === 'note');
    finals.add(notes[notes.length - 1]!.pitch % 12);
  }
  assert.deepEqual([...finals], [7]);
  assert.throws(() => sample({ finalPitchClass: 12 }, 1), /finalPitchClass must be a whole number from 0 to 11/);
});

test('maxFinalLeap keeps the final tonic within that many semitones of the note before it', () => {
  // C4 and C5 can end the tune: from the D-G the tune moves in, C5 is a leap of more than a fifth.
  const wide = new EventsEncoding({ name: 'events', vocabulary: [...vocabulary, '72:1', '72:2', '72:4'], options: {} });
  const logits = new Float32Array(wide.vocabularySize);
  const flatWide: TokenPredictor = { reset: () => undefined, feed: () => undefined, logits: () => logits };
  let leaps = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const request: SamplingRequest = { meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 2, primer: [], pickup: 0, endOnTonic: true, maxFinalLeap: 7 };
    const notes = sampleTune(wide, flatWide, { ...request, temperature: 1, topP: 1, randomSeed: seed }).filter((event) => event.kind === 'note');
    const [before, final] = [notes[notes.length - 2]!, notes[notes.length - 1]!];
    assert.equal(final.pitch % 12, 0);
    if (Math.abs(final.pitch - before.pitch) > 7) leaps++;
  }
  assert.equal(leaps, 0);
});

test('maxLeap keeps every sampled note within that many semitones of the one before, and leaves the primer alone', () => {
  // A vocabulary of two octaves and more: 48, 60-67, 84. A flat predictor leaps often without the rule.
  const wide = new EventsEncoding({ name: 'events', vocabulary: [...vocabulary, '48:1', '48:2', '84:1', '84:2'], options: {} });
  const logits = new Float32Array(wide.vocabularySize);
  const flatWide: TokenPredictor = { reset: () => undefined, feed: () => undefined, logits: () => logits };
  const leapsOf = (maxLeap: number | undefined, primer: SamplingRequest['primer'] = []): number => {
    let leaps = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const request: SamplingRequest = { meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 4, primer, pickup: 0, endOnTonic: true, ...(maxLeap !== undefined ? { maxLeap } : {}) };
      const notes = sampleTune(wide, flatWide, { ...request, temperature: 1, topP: 1, randomSeed: seed }).filter((event) => event.kind === 'note');
      for (let i = Math.max(1, primer.length); i < notes.length; i++) if (Math.abs(notes[i]!.pitch - notes[i - 1]!.pitch) > (maxLeap ?? 12)) leaps++;
    }
    return leaps;
  };
  assert.ok(leapsOf(undefined) > 10, 'the flat predictor leaps more than an octave without the rule');
  assert.equal(leapsOf(12), 0);
  // A primer that leaps two octaves is the user's: it is kept as written, and the tune goes on from its last note.
  const primer = [{ kind: 'note' as const, pitch: 48, onset: 0, duration: Q }, { kind: 'note' as const, pitch: 84, onset: Q, duration: Q }];
  const notes = sampleTune(wide, flatWide, { meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 4, primer, pickup: 0, endOnTonic: true, maxLeap: 12, temperature: 1, topP: 1, randomSeed: 3 }).filter((event) => event.kind === 'note');
  assert.deepEqual(notes.slice(0, 2).map((note) => note.pitch), [48, 84]);
  assert.equal(leapsOf(12, primer), 0);
});

test('allowed() hands out a copy: changing it changes neither the next mask nor what push accepts', () => {
  const state = encoding.startSampling({ meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 2, primer: [], pickup: 0, endOnTonic: true, maxRepeatedBars: 1 });
  const mask = state.allowed();
  const first = mask.indexOf(1);
  const untouched = Uint8Array.from(mask);
  mask.fill(0);
  mask[encoding.vocabularySize - 1] = 1 - untouched[encoding.vocabularySize - 1]!;
  assert.deepEqual(state.allowed(), untouched);
  if (untouched[encoding.vocabularySize - 1] === 0) assert.throws(() => state.push(encoding.vocabularySize - 1), /is not allowed/);
  state.push(first);
  assert.ok(state.allowed().includes(1));
});

test('the loop guard holds in every bar, with the masks kept per position in the bar', () => {
  // With maxRepeatedBars 1 no bar may repeat the one before it: every bar has other ways to be filled.
  for (let seed = 1; seed <= 30; seed++) {
    const events = sample({ bars: 6, maxRepeatedBars: 1, endOnTonic: false }, seed);
    const bars = Array.from({ length: 6 }, (_, b) => JSON.stringify(events.filter((e) => e.onset >= b * 4 * Q && e.onset < (b + 1) * 4 * Q).map((e) => [e.kind, e.kind === 'note' ? e.pitch : 0, e.onset - b * 4 * Q, e.duration])));
    for (let b = 1; b < 6; b++) assert.notEqual(bars[b], bars[b - 1], `seed ${seed}: bar ${b + 1} repeats bar ${b}`);
  }
});
