import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEncoding, createEncoding, EncodingError } from '../../src/model/encodings/index.js';
import { tokenizeEventsMelody } from '../../src/model/encodings/events.js';
import { tokenizeStepsMelody } from '../../src/model/encodings/steps.js';
import type { EncodingName } from '../../src/model/encodings/encoding.js';
import { comparable, E, fixtureMelody, Q, sampleMelodies, T, tripletMelody } from './melody-fixtures.js';

const melodies = sampleMelodies();
const all = [...Object.values(melodies), tripletMelody()];

describe('events encoding', () => {
  const encoding = buildEncoding('events', all);

  for (const [name, melody] of Object.entries({ ...melodies, triplets: tripletMelody() })) {
    it(`round-trips ${name}`, () => {
      assert.equal(encoding.reject(melody), null);
      const decoded = encoding.decode(encoding.encode(melody));
      assert.deepEqual(comparable(decoded.events), comparable(melody.events));
      assert.deepEqual(decoded.meter, melody.meters[0]!.meter);
      assert.equal(decoded.mode, melody.key.mode);
    });
  }

  it('writes conditioning, barlines, a pickup and <end> in place of the final barline', () => {
    assert.deepEqual(tokenizeEventsMelody(melodies.pickup!), [
      '<M:3/4>', '<major>', '67:1/2', '|', '72:1', '71:1/2', '69:1', '67:1/2', '|', '65:1', '64:1/2', '62:1/2', '60:1', '<end>',
    ]);
  });

  it('splits a note over a barline into a continuation and writes meter changes after the barline', () => {
    const tokens = tokenizeEventsMelody(melodies.meterChange!);
    assert.deepEqual(tokens, [
      '<M:2/4>', '<major>', '60:1', '62:1', '|', '64:1', '65:1', '|', '<M:3/4>', '67:1', '69:1', '67:1', '|', '~:1', '60:1', '<end>',
    ]);
    const held = tokenizeEventsMelody(melodies.tiedOverBarline!);
    assert.deepEqual(held.slice(2, 13), ['60:1', '64:3', '|', '~:1', '65:1', '67:2', '|', '72:4', '|', '~:4', '|']);
  });

  it('leaves grace notes out', () => {
    const decoded = encoding.decode(encoding.encode(melodies.sixEightWithGrace!));
    assert.ok(decoded.events.every((event) => event.kind === 'rest' || event.pitch !== 71));
  });

  it('rejects what its vocabulary lacks, saying what', () => {
    const small = buildEncoding('events', [melodies.simple!]);
    const reason = small.reject(tripletMelody());
    assert.match(reason ?? '', /"60:1\/3"/);
    assert.throws(() => small.encode(tripletMelody()), EncodingError);
    assert.match(small.reject(melodies.pickup!) ?? '', /<M:3\/4>/);
  });

  it('rejects melodies whose events are not contiguous', () => {
    const broken = { ...melodies.simple!, events: melodies.simple!.events.filter((_, i) => i !== 2) };
    assert.match(encoding.reject(broken) ?? '', /should start at tick/);
  });

  it('counts notes and rests and scores every token after the conditioning', () => {
    const tokens = encoding.encode(melodies.rests!);
    const { positions, notes } = encoding.scoredPositions(tokens);
    assert.equal(notes, 10);
    assert.equal(positions[0], 2);
    assert.equal(positions[positions.length - 1], tokens.length - 1);
    assert.equal(positions.length, tokens.length - 2);
  });
});

describe('steps encoding', () => {
  const encoding = buildEncoding('steps', all);

  for (const [name, melody] of Object.entries(melodies)) {
    it(`round-trips ${name}`, () => {
      assert.equal(encoding.reject(melody), null);
      const decoded = encoding.decode(encoding.encode(melody));
      assert.deepEqual(comparable(decoded.events), comparable(melody.events));
      assert.equal(decoded.meter, null);
    });
  }

  it('writes one token per sixteenth between one / on each side', () => {
    const melody = fixtureMelody([[67, E], [null, Q], [60, Q + E]], { meter: { numerator: 2, denominator: 4 } });
    assert.deepEqual(tokenizeStepsMelody(melody), ['/', '67', '_', 'r', '_', '_', '_', '60', '_', '_', '_', '_', '_', '/']);
  });

  it('rejects triplets, saying why', () => {
    assert.match(encoding.reject(tripletMelody()) ?? '', /sixteenth-note grid/);
    assert.throws(() => encoding.encode(tripletMelody()), EncodingError);
  });

  it('has a vocabulary of /, _, r and the pitches used', () => {
    assert.deepEqual(encoding.config.vocabulary.slice(0, 3), ['/', '_', 'r']);
    const pitches = encoding.config.vocabulary.slice(3).map(Number);
    assert.deepEqual(pitches, [...pitches].sort((a, b) => a - b));
    assert.ok(pitches.includes(72) && !pitches.includes(61));
  });

  it('scores every step and the closing /, counting notes and rests', () => {
    const tokens = encoding.encode(melodies.rests!);
    const { positions, notes } = encoding.scoredPositions(tokens);
    assert.equal(notes, 10);
    assert.equal(positions[0], 1);
    assert.equal(positions.length, tokens.length - 1);
  });
});

describe('vocabulary save and restore', () => {
  for (const name of ['events', 'steps'] as EncodingName[]) {
    it(`${name}: createEncoding(saved config) encodes and decodes identically`, () => {
      const built = buildEncoding(name, Object.values(melodies));
      const restored = createEncoding(JSON.parse(JSON.stringify(built.config)));
      assert.deepEqual(restored.config, built.config);
      assert.equal(restored.vocabularySize, built.vocabularySize);
      for (const melody of Object.values(melodies)) {
        const tokens = built.encode(melody);
        assert.deepEqual(restored.encode(melody), tokens);
        assert.deepEqual(restored.decode(tokens), built.decode(tokens));
      }
    });

    it(`${name}: the vocabulary does not depend on the order of the corpus`, () => {
      const forward = buildEncoding(name, Object.values(melodies));
      const backward = buildEncoding(name, Object.values(melodies).reverse());
      assert.deepEqual(backward.config, forward.config);
    });
  }

  it('refuses a config with an unknown name, a malformed token or a duplicate', () => {
    assert.throws(() => createEncoding({ name: 'abc' as EncodingName, vocabulary: [], options: {} }), /unknown encoding "abc"/);
    assert.throws(() => createEncoding({ name: 'events', vocabulary: ['|', '<end>', 'C4'], options: {} }), /"C4" is not an events token/);
    assert.throws(() => createEncoding({ name: 'steps', vocabulary: ['/', '_', 'r', '60', '60'], options: {} }), /twice/);
    assert.throws(() => createEncoding({ name: 'events', vocabulary: ['|', '<end>'], options: { durationUnit: 'tick' } }), /durationUnit must be "beat"/);
    assert.throws(() => createEncoding({ name: 'steps', vocabulary: ['/', '_', 'r'], options: { stepTicks: 120 } }), /stepTicks must be 240/);
  });

  it('counts durations exactly in the beat unit of the meter', () => {
    const tokens = tokenizeEventsMelody(fixtureMelody([[60, T], [62, T], [64, T], [65, 3 * Q]]));
    assert.deepEqual(tokens.slice(2, 6), ['60:1/3', '62:1/3', '64:1/3', '65:3']);
    const long = tokenizeEventsMelody(fixtureMelody([[60, Q], [62, Q], [64, 2 * Q], [65, 4 * Q]], { meter: { numerator: 4, denominator: 2 } }));
    assert.deepEqual(long.slice(0, 6), ['<M:4/2>', '<major>', '60:1/2', '62:1/2', '64:1', '65:2']);
    const compound = tokenizeEventsMelody(fixtureMelody([[60, E], [62, Q], [64, Q + E]], { meter: { numerator: 6, denominator: 8 } }));
    assert.deepEqual(compound.slice(2, 5), ['60:1', '62:2', '64:3']);
  });
});

describe('events meter changes', () => {
  it('writes no token for a repeated signature that changes nothing', () => {
    const melody = fixtureMelody([[60, Q], [62, Q], [64, Q], [65, Q]], {
      meter: { numerator: 2, denominator: 4 },
      meterChanges: [{ tick: 2 * Q, meter: { numerator: 2, denominator: 4 } }],
    });
    assert.deepEqual(tokenizeEventsMelody(melody), ['<M:2/4>', '<major>', '60:1', '62:1', '|', '64:1', '65:1', '<end>']);
  });
});
