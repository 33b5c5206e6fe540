// Button state: custom ids stay within Discord's 100 characters and decode to what was encoded; seeds written
// back from notes use kern spelling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAction, composeState, continuePlan, decodeCustomId, encodeCustomId, kernPitch, MAX_TUNE_STEPS, notesToSeed, variationOpening, type TuneState, type TuneStep } from '../../src/bot/tune-state.js';
import { createRandom } from '../../src/util/random.js';
import { RANDOM_SEED_MAX } from '../../src/bot/compose-options.js';
import type { ComposeOptions, ComposeResult } from '../../src/compose/types.js';
import type { ComposeRequest } from '../../src/bot/compose-service.js';
import { STYLE_NAMES } from '../../src/model/data/styles.js';

const options: ComposeOptions = {
  seed: '4c 8d 8e 4f 4g',
  bars: 16,
  meter: { numerator: 6, denominator: 8 },
  key: 'B-',
  mode: 'minor',
  temperature: 0.85,
  tempo: 132,
  randomSeed: 2_147_483_647,
  instrument: 'flute',
  accompaniment: 'chords',
};

test('custom ids round-trip every field and stay <= 100 characters', () => {
  const state: TuneState = { options, steps: [{ kind: 'continue' }, { kind: 'variation', randomSeed: 123456789 }] };
  for (const action of ['take', 'continue', 'variation'] as const) {
    const id = encodeCustomId(action, state)!;
    assert.ok(id.length <= 100, id);
    const decoded = decodeCustomId(id, () => assert.fail('seed fits in the id'));
    assert.equal(decoded.action, action);
    assert.deepEqual(decoded.state, state);
  }
});

test('the accompaniment rides in the mode field; none asked, or an id from before the choice, leaves it to the composer', () => {
  for (const accompaniment of ['none', 'chords', 'full'] as const) {
    for (const mode of ['major', undefined] as const) {
      const state: TuneState = { options: { ...options, mode, accompaniment }, steps: [] };
      const { mode: _mode, ...withoutMode } = state.options;
      const expected = mode === undefined ? { ...state, options: withoutMode } : state;
      assert.deepEqual(decodeCustomId(encodeCustomId('take', state)!, () => undefined).state, expected);
    }
  }
  const old = 'fb1|t|16|6/8|B-|m|0.85|132|zik0zj||4c 8d';
  assert.equal('accompaniment' in decodeCustomId(old, () => undefined).state.options, false);
  const { accompaniment: _accompaniment, ...notAsked } = options;
  const id = encodeCustomId('take', { options: notAsked, steps: [] })!;
  assert.match(id, /\|m\|/);
  assert.equal('accompaniment' in decodeCustomId(id, () => undefined).state.options, false);
  assert.equal(decodeCustomId(id.replace('|m|', '|mf|'), () => undefined).state.options.accompaniment, 'full');
  assert.throws(() => decodeCustomId(old.replace('|m|', '|mx|'), () => undefined), /accompaniment "x"/);
});

test('a long seed moves to the message and is read back from there', () => {
  const seed = Array.from({ length: 40 }, () => '8c').join(' ');
  const state: TuneState = { options: { ...options, seed }, steps: [] };
  const id = encodeCustomId('take', state)!;
  assert.ok(id.length <= 100 && id.endsWith('|~'));
  assert.equal(decodeCustomId(id, () => seed).state.options.seed, seed);
  assert.throws(() => decodeCustomId(id, () => undefined), /seed of this tune is missing/);
});

test('options without key and mode round-trip as absent', () => {
  const { key: _key, mode: _mode, ...rest } = options;
  const state: TuneState = { options: rest, steps: [] };
  const decoded = decodeCustomId(encodeCustomId('take', state)!, () => undefined).state;
  assert.equal('key' in decoded.options, false);
  assert.equal('mode' in decoded.options, false);
});

test('actions: take restarts with a new random seed; continue and variation extend the history', () => {
  const state: TuneState = { options, steps: [{ kind: 'continue' }] };
  assert.deepEqual(applyAction('take', state, () => 7), { options: { ...options, randomSeed: 7 }, steps: [] });
  assert.deepEqual(applyAction('continue', state, () => 7).steps, [{ kind: 'continue' }, { kind: 'continue' }]);
  assert.deepEqual(applyAction('variation', state, () => 7).steps, [{ kind: 'continue' }, { kind: 'variation', randomSeed: 7 }]);
});

const quarters = (count: number) => Array.from({ length: count }, (_, i) => ({ pitch: 60 + (i % 12), onset: i, duration: 1 }));

test('continue keeps the whole tune when it fits the seed limit, else its last whole bars that fit', () => {
  const short = continuePlan(quarters(32), 8, 4);
  assert.deepEqual(short, { seed: quarters(32), pickup: 0, bars: 16, whole: true });
  // 20 bars of 4 quarters = 80 notes > 64: the last 16 bars (64 notes) are kept.
  const long = continuePlan(quarters(80), 20, 4);
  assert.equal(long.whole, false);
  assert.equal(long.seed.length, 64);
  assert.equal(long.seed[0]!.onset, 0);
  assert.equal(long.bars, 16 + 8);
});

test('a tune with a pickup keeps it through Continue and Variation', () => {
  // One quarter of pickup, then 4/4 bars.
  const tune = quarters(33);
  assert.deepEqual(continuePlan(tune, 8, 4, 1), { seed: tune, pickup: 1, bars: 16, whole: true });
  // Too long for a seed: the pickup and whole bars go, and the tail starts on a bar line with no pickup.
  const long = continuePlan(quarters(81), 20, 4, 1);
  assert.equal(long.pickup, 0);
  assert.equal(long.seed.length, 64);
  assert.equal(long.seed[0]!.onset, 0);
  assert.equal(long.bars, 16 + 8);
  // The opening of a variation: the pickup and the first four bars.
  assert.equal(variationOpening(tune, 8, 4, 1).length, 1 + 16);
  // The seed text puts a bar line after the pickup, so the composer keeps it.
  const notes = [
    { pitch: 67, onset: 0, duration: 1 },
    { pitch: 60, onset: 1, duration: 2 },
    { pitch: 64, onset: 3, duration: 2 },
  ];
  assert.equal(notesToSeed(notes, 'C', 1), '4g | 2c 2e');
  assert.equal(notesToSeed(notes, 'C'), '4g 2c 2e');
});

test('a variation keeps the first half, fewer bars when that exceeds the seed limit', () => {
  assert.equal(variationOpening(quarters(32), 8, 4).length, 16);
  assert.equal(variationOpening(quarters(256), 64, 4).length, 64);
});

test('malformed custom ids are refused with a message', () => {
  assert.throws(() => decodeCustomId('fb2|x|16|4/4|-|-|1|100|a||', () => undefined), /unknown button action/);
  assert.throws(() => decodeCustomId('fb2|t|16|5/4|-|-|1|100|a||', () => undefined), /meter "5\/4" is not offered/);
  assert.throws(() => decodeCustomId('fb2|t|16|4/4|-|-|1|100|a|Cx|', () => undefined), /unreadable tune history/);
  assert.throws(() => decodeCustomId('fb2|t|16|4/4|-|-|1|100|a|Vzzzzzz|', () => undefined), /random seed out of range/);
  assert.throws(() => decodeCustomId('something-else', () => undefined), /not one of folkbot's/);
});

test('notes become kern-like seed text', () => {
  assert.equal(kernPitch(60, false), 'c');
  assert.equal(kernPitch(72, false), 'cc');
  assert.equal(kernPitch(59, false), 'B');
  assert.equal(kernPitch(47, false), 'BB');
  assert.equal(kernPitch(70, true), 'b-');
  assert.equal(kernPitch(66, false), 'f#');
  const seed = notesToSeed(
    [
      { pitch: 60, onset: 0, duration: 1 },
      { pitch: 62, onset: 1, duration: 0.5 },
      { pitch: null, onset: 1.5, duration: 0.5 },
      { pitch: 70, onset: 2, duration: 1.5 },
      { pitch: 67, onset: 3.5, duration: 2.5 },
    ],
    'F',
  );
  assert.equal(seed, '4c 8d 8r 4.b- 2g 8g');
});

test('on the shipped model, Continue keeps a pickup tune note for note and in the same bars', async (t) => {
  const { existsSync } = await import('node:fs');
  const modelDir = new URL('../../models/default', import.meta.url).pathname;
  if (!existsSync(`${modelDir}/folkbot-model.json`)) return t.skip(`no trained model in ${modelDir}`);
  const { Composer } = await import('../../src/compose/composer.js');
  const { resolveComposeOptions } = await import('../../src/compose/compose-options.js');
  const { composeState } = await import('../../src/bot/tune-state.js');
  const composer = await Composer.open(modelDir, { warmUp: false });
  try {
    const start: TuneState = { options: resolveComposeOptions({ seed: '8g | 4c 4e 4g 4e', bars: 8, randomSeed: 5 }), steps: [] };
    const first = await composeState(start, (o) => composer.compose(o));
    const continued = await composeState(applyAction('continue', start, () => 0), (o) => composer.compose(o));
    assert.equal(first.pickup, 0.5);
    assert.equal(continued.pickup, 0.5);
    assert.equal(continued.bars, 16);
    assert.deepEqual(continued.notes.slice(0, first.notes.length), first.notes);
    const last = continued.notes[continued.notes.length - 1]!;
    // The last bar gives the pickup back: 16 bars in all.
    assert.equal(last.onset + last.duration, 16 * 4);
  } finally {
    composer.dispose();
  }
});

/** Random histories: every step kind, Variation seeds over the whole range (its ends included), up to the longest chain. */
function randomHistory(next: () => number, length: number): TuneStep[] {
  const edges = [0, 1, 35, 36, RANDOM_SEED_MAX - 1, RANDOM_SEED_MAX];
  return Array.from({ length }, (): TuneStep => {
    if (next() < 0.5) return { kind: 'continue' };
    const randomSeed = next() < 0.2 ? edges[Math.floor(next() * edges.length)]! : Math.floor(next() * (RANDOM_SEED_MAX + 1));
    return { kind: 'variation', randomSeed };
  });
}

test('generated histories round-trip exactly through every button, up to the longest chain', () => {
  const { next } = createRandom(15);
  for (let trial = 0; trial < 3000; trial++) {
    const steps = randomHistory(next, trial % (MAX_TUNE_STEPS + 1));
    const state: TuneState = { options, steps };
    for (const action of ['take', 'continue', 'variation'] as const) {
      const id = encodeCustomId(action, state);
      // The worst case (every step a Variation with a 6-digit seed, the longest options) still fits 100 characters.
      assert.ok(id !== undefined, `history of ${steps.length} steps fits`);
      assert.ok(id.length <= 100, id);
      assert.deepEqual(decodeCustomId(id, () => options.seed).state, state, id);
    }
  }
});

test('the issue 15 history (Variation, then Continue, Continue) decodes as three steps', () => {
  const state: TuneState = { options: { ...options, randomSeed: 42 }, steps: [{ kind: 'variation', randomSeed: 511_453_962 }, { kind: 'continue' }, { kind: 'continue' }] };
  const decoded = decodeCustomId(encodeCustomId('continue', state)!, () => undefined).state;
  assert.deepEqual(decoded.steps, state.steps);
});

test('the chain is capped: past MAX_TUNE_STEPS, Continue and Variation are refused and forged longer ids too', () => {
  const full: TuneState = { options, steps: Array.from({ length: MAX_TUNE_STEPS }, () => ({ kind: 'continue' as const })) };
  assert.throws(() => applyAction('continue', full, () => 1), /limit of 8 steps/);
  assert.throws(() => applyAction('variation', full, () => 1), /limit of 8 steps/);
  assert.deepEqual(applyAction('take', full, () => 1).steps, []);
  const forged = `fb2|c|16|4/4|-|-|0.9|100|a|${'C'.repeat(72)}|`;
  assert.throws(() => decodeCustomId(forged, () => undefined), /continued or varied 72 times, past the limit/);
});

test('ids of the previous format: Continue-only histories still work, ambiguous ones are refused', () => {
  const decoded = decodeCustomId('fb1|c|16|4/4|-|-|0.9|100|a|cc|4c', () => undefined);
  assert.deepEqual(decoded.state.steps, [{ kind: 'continue' }, { kind: 'continue' }]);
  assert.throws(() => decodeCustomId('fb1|c|16|4/4|-|-|0.9|100|a|v1c|4c', () => undefined), /older folkbot/);
});

test('the style rides in the id as one character per style, and the id still fits with the longest history', () => {
  const longest: TuneStep[] = Array.from({ length: MAX_TUNE_STEPS }, () => ({ kind: 'variation', randomSeed: RANDOM_SEED_MAX }));
  const unstyled = encodeCustomId('variation', { options, steps: longest })!;
  const ids = new Set<string>();
  for (const style of STYLE_NAMES) {
    const state: TuneState = { options: { ...options, style }, steps: longest };
    const id = encodeCustomId('variation', state)!;
    // As long as without a style: every style has a one-character code.
    assert.equal(id.length, unstyled.length, id);
    assert.ok(id.length <= 100, id);
    assert.deepEqual(decodeCustomId(id, () => options.seed).state, state);
    ids.add(id);
  }
  assert.equal(ids.size, STYLE_NAMES.length, 'no two styles share a code');
  // A style defined after the codes is written out, and read back.
  const later: TuneState = { options: { ...options, style: 'klezmer' }, steps: [] };
  assert.deepEqual(decodeCustomId(encodeCustomId('take', later)!, () => undefined).state, later);
  // No style asked: none read back (the model's first).
  assert.equal('style' in decodeCustomId(encodeCustomId('take', { options, steps: [] })!, () => undefined).state.options, false);
});

test('a meter left to the style round-trips as absent; an id from before styles reads as the default style', () => {
  const { meter: _meter, ...rest } = options;
  const state: TuneState = { options: { ...rest, style: 'chinese-han' }, steps: [{ kind: 'continue' }] };
  const id = encodeCustomId('continue', state)!;
  assert.match(id, /^fb3\|c\|16\|-\|/);
  assert.deepEqual(decodeCustomId(id, () => undefined).state, state);
  const before = decodeCustomId('fb2|v|16|2/4|-|-|0.9|100|a|C|4c 4d', () => undefined).state;
  assert.equal(before.options.style, undefined);
  assert.deepEqual(before.options.meter, { numerator: 2, denominator: 4 });
  assert.equal(before.options.seed, '4c 4d');
  assert.throws(() => decodeCustomId('fb3|t|16|-|-|-|0.9|100|a||Q|4c', () => undefined), /this button's style "Q" is unknown/);
  assert.throws(() => decodeCustomId('fb3|t|16|-|-|-|0.9|100|a||*Bad Name|4c', () => undefined), /style "\*Bad Name" is unknown/);
});

test("every replayed step keeps the style, and a meter left to the style is the first tune's", async () => {
  const asked: ComposeRequest[] = [];
  // A stand-in composer: the style's usual meter (2/4) when none is asked, a quarter note per beat.
  const compose = async (request: ComposeRequest): Promise<ComposeResult> => {
    asked.push(request);
    const meter = request.meter ?? { numerator: 2, denominator: 4 };
    const notes = quarters(request.bars * meter.numerator);
    return { notes, pickup: 0, bars: request.bars, meter, key: { name: 'C major', tonic: 'C', mode: 'major' } } as unknown as ComposeResult;
  };
  const { meter: _meter, ...rest } = options;
  const state: TuneState = { options: { ...rest, seed: '', bars: 8, style: 'chinese-han' }, steps: [{ kind: 'variation', randomSeed: 5 }, { kind: 'continue' }] };
  const result = await composeState(state, compose);
  assert.deepEqual(asked.map((request) => request.style), ['chinese-han', 'chinese-han', 'chinese-han']);
  // The steps' seeds are the tune's own notes, in its key: the composer is told not to move them.
  assert.deepEqual(asked.map((request) => request.seedInKey), [undefined, true, true]);
  assert.ok(asked.every((request) => request.meter === undefined));
  // The Variation kept the first half of 8 bars of 2/4 (8 quarters); the Continue the whole tune and 8 bars more.
  assert.equal(asked[1]!.seed.split(' ').length, 8);
  assert.equal(result.bars, 16);
});
