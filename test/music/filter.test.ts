import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DROP_REASONS, trainingFilter } from '../../src/music/filter.js';
import { parseKern } from '../../src/music/kern-parse.js';
import type { Melody, MelodyEvent } from '../../src/music/types.js';
import { fixture } from './paths.js';

const twinkle = (): Melody => parseKern(fixture('twinkle.krn').text, 'twinkle.krn');

function withEvents(melody: Melody, events: MelodyEvent[]): Melody {
  return { ...melody, events };
}

function notes(count: number, pitch = 60, duration = 960): MelodyEvent[] {
  return Array.from({ length: count }, (_, i) => ({ kind: 'note', pitch, onset: i * duration, duration }) as const);
}

describe('trainingFilter', () => {
  it('keeps plain tunes under both policies', () => {
    assert.equal(trainingFilter(twinkle(), 'default'), null);
    assert.equal(trainingFilter(twinkle(), 'reference'), null);
  });

  it('reference drops any duration outside 1/4..4 quarters, triplets and grace notes included', () => {
    const mixed = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    assert.equal(trainingFilter(mixed, 'reference'), DROP_REASONS.referenceDuration);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8, 60, 320)), 'reference'), DROP_REASONS.referenceDuration);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8, 60, 3840 * 2)), 'reference'), DROP_REASONS.referenceDuration);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8, 60, 240)), 'reference'), null);
  });

  it('default keeps triplets, grace notes and meter changes', () => {
    const mixed = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    assert.equal(trainingFilter(mixed, 'default'), null);
  });

  it('default drops free meter throughout, too few or many notes and pitches out of range', () => {
    assert.equal(trainingFilter({ ...twinkle(), meters: [{ tick: 0, meter: null }] }, 'default'), DROP_REASONS.freeMeter);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(7)), 'default'), DROP_REASONS.tooFewNotes);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8)), 'default'), null);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(401, 60, 240)), 'default'), DROP_REASONS.tooManyNotes);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8, 35)), 'default'), DROP_REASONS.pitchRange);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8, 97)), 'default'), DROP_REASONS.pitchRange);
    assert.equal(trainingFilter(withEvents(twinkle(), notes(8, 96)), 'default'), null);
  });
});
