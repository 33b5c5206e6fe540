// Sampling states driven by a random policy: whatever is sampled among the allowed tokens, the tune is well formed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEncoding, EncodingError } from '../../src/model/encodings/index.js';
import type { Encoding, EncodingName, SamplingRequest } from '../../src/model/encodings/encoding.js';
import type { MelodyEvent } from '../../src/music/types.js';
import { comparable, E, Q, S, sampleMelodies, tripletMelody } from './melody-fixtures.js';
import { createRandom } from '../../src/util/random.js';


const note = (pitch: number, onset: number, duration: number): MelodyEvent => ({ kind: 'note', pitch, onset, duration });

interface Case {
  readonly label: string;
  readonly request: SamplingRequest;
}

const cases: readonly Case[] = [
  { label: '4/4, 4 bars, no primer, tonic ending', request: { meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 4, primer: [], pickup: 0, endOnTonic: true } },
  { label: '3/4 minor with an eighth pickup', request: { meter: { numerator: 3, denominator: 4 }, mode: 'minor', bars: 6, primer: [note(64, 0, E)], pickup: E, endOnTonic: true } },
  {
    label: '2/4 with a primer tied over the barline',
    request: { meter: { numerator: 2, denominator: 4 }, mode: 'major', bars: 5, primer: [note(60, 0, Q), note(64, Q, 2 * Q)], pickup: 0, endOnTonic: true },
  },
  {
    label: '3/4 with a primer that ends on a barline',
    request: { meter: { numerator: 3, denominator: 4 }, mode: 'major', bars: 4, primer: [note(60, 0, Q), note(64, Q, Q), note(67, 2 * Q, Q)], pickup: 0, endOnTonic: true },
  },
  { label: '6/8, 8 bars, free ending', request: { meter: { numerator: 6, denominator: 8 }, mode: 'major', bars: 8, primer: [note(67, 0, E), note(65, E, E)], pickup: 0, endOnTonic: false } },
  { label: 'primer that fills the whole tune', request: { meter: { numerator: 2, denominator: 4 }, mode: 'major', bars: 1, primer: [note(60, 0, 2 * Q)], pickup: 0, endOnTonic: false } },
];

function barLength(request: SamplingRequest): number {
  return (request.meter.numerator * 4 * Q) / request.meter.denominator;
}

function sampleTune(encoding: Encoding, request: SamplingRequest, random: () => number): { tokens: number[]; events: readonly MelodyEvent[] } {
  const state = encoding.startSampling(request);
  const tokens = [...state.prefix];
  for (let guard = 0; !state.done; guard++) {
    assert.ok(guard < 10000, 'sampling does not terminate');
    const mask = state.allowed();
    const choices = [...mask.keys()].filter((id) => mask[id] === 1);
    assert.ok(choices.length > 0, `all-zero mask before done after ${tokens.length} tokens`);
    const choice = choices[Math.floor(random() * choices.length)]!;
    state.push(choice);
    tokens.push(choice);
  }
  assert.equal(state.allowed().every((allowed) => allowed === 0), true, 'a finished tune allows nothing');
  return { tokens, events: state.events() };
}

for (const name of ['events', 'steps'] as EncodingName[]) {
  describe(`${name} sampling with a random policy`, () => {
    const melodies = name === 'events' ? [...Object.values(sampleMelodies()), tripletMelody()] : Object.values(sampleMelodies());
    const encoding = buildEncoding(name, melodies);

    for (const { label, request } of cases) {
      it(label, () => {
        const random = createRandom(1234).next;
        const bar = barLength(request);
        const tonic = request.mode === 'major' ? 0 : 9;
        for (let tune = 0; tune < 200; tune++) {
          const { tokens, events } = sampleTune(encoding, request, random);
          // The primer comes back exactly: its last note is never held on by the sampled tokens.
          assert.deepEqual(comparable(events.slice(0, request.primer.length)), comparable(request.primer));
          const last = events[events.length - 1]!;
          assert.equal(last.onset + last.duration, request.pickup + request.bars * bar, 'exactly `bars` complete bars after the pickup');
          if (request.endOnTonic) assert.ok(last.kind === 'note' && last.pitch % 12 === tonic, `ends on the tonic, got ${comparable([last])}`);
          if (request.endOnTonic && name === 'events') {
            // Not on a passing note: at least a beat, a dotted beat in compound meters (when the vocabulary has one).
            const { numerator, denominator } = request.meter;
            const beat = ((denominator >= 8 && numerator % 3 === 0 && numerator > 3 ? 3 : 1) * 4 * 960) / denominator;
            assert.ok(last.duration >= Math.min(beat, bar), `the final note lasts ${last.duration} ticks, less than a beat (${beat})`);
          }
          for (let i = 1; i < events.length; i++) assert.equal(events[i]!.onset, events[i - 1]!.onset + events[i - 1]!.duration);
          assert.deepEqual(comparable(encoding.decode(tokens).events), comparable(events), 'the sampled tokens decode to the same tune');
        }
      });
    }

    it('refuses a primer longer than the tune', () => {
      const request = cases.find((c) => c.label === 'primer that fills the whole tune')!.request;
      assert.throws(() => encoding.startSampling({ ...request, primer: [note(60, 0, 3 * Q)] }), EncodingError);
    });

    it('refuses a token that is not allowed', () => {
      const state = encoding.startSampling(cases[0]!.request);
      const mask = state.allowed();
      const forbidden = [...mask.keys()].find((id) => mask[id] === 0)!;
      assert.throws(() => state.push(forbidden), /not allowed/);
    });
  });
}

describe('events sampling constraints', () => {
  const encoding = buildEncoding('events', Object.values(sampleMelodies()));
  const request = cases[0]!.request;

  it('forces | at a barline and <end> only at the end of the last bar', () => {
    const state = encoding.startSampling({ ...request, bars: 2 });
    const whole = encoding.config.vocabulary.indexOf('72:4');
    assert.ok(whole >= 0);
    state.push(whole);
    const atBarline = state.allowed();
    assert.deepEqual([...atBarline.keys()].filter((id) => atBarline[id] === 1), [encoding.config.vocabulary.indexOf('|')]);
    state.push(encoding.config.vocabulary.indexOf('|'));
    const ending = state.allowed();
    assert.equal(ending[encoding.config.vocabulary.indexOf('<end>')], 0);
    assert.equal(ending[encoding.config.vocabulary.indexOf('72:4')], 1, 'a whole C can end the tune');
    assert.equal(ending[whole + 0], 1);
    assert.equal(ending[encoding.config.vocabulary.indexOf('67:2')], 1, 'a half G leaves room for a tonic');
  });

  it('names the meters it accepts when asked for another', () => {
    assert.throws(() => encoding.startSampling({ ...request, meter: { numerator: 5, denominator: 4 } }), /5\/4 is not in the vocabulary \(accepted: .*3\/4/);
  });

  it('refuses a primer the vocabulary cannot write', () => {
    assert.throws(() => encoding.startSampling({ ...request, primer: [note(60, 0, S)] }), /"60:1\/4"/);
  });
});
