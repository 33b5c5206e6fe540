import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TICKS_PER_QUARTER, type Melody } from '../../src/music/types.js';
import { performanceFromMelody } from '../../src/render/performance.js';
import { RenderError } from '../../src/render/render-error.js';
import { AMAZING_GRACE, AMAZING_GRACE_QUARTERS } from '../fixtures/amazing-grace.js';

const Q = TICKS_PER_QUARTER;

describe('performanceFromMelody', () => {
  it('turns ticks into seconds at the tempo and keeps a closing rest in the length', () => {
    const performance = performanceFromMelody(AMAZING_GRACE, { bpm: 120, program: 24 });
    assert.equal(performance.program, 24);
    assert.equal(performance.notes.length, 33);
    assert.deepEqual(performance.notes[0], { pitch: 62, start: 0, duration: 0.5 });
    // The tied D (dotted half + half = 5 quarters) starts after the pickup and 6 bars: 19 quarters.
    const tied = performance.notes.find((note) => note.pitch === 74);
    assert.deepEqual(tied, { pitch: 74, start: 19 * 0.5, duration: 2.5 });
    assert.equal(performance.durationSeconds, AMAZING_GRACE_QUARTERS * 0.5);
  });

  it('holds fermatas longer and pushes the rest of the tune back; plays grace notes before the beat', () => {
    const melody: Melody = {
      ...AMAZING_GRACE,
      events: [
        { kind: 'note', pitch: 60, onset: 0, duration: Q, fermata: true },
        { kind: 'note', pitch: 62, onset: Q, duration: 0, grace: true },
        { kind: 'note', pitch: 64, onset: Q, duration: Q },
        { kind: 'rest', onset: 2 * Q, duration: Q },
      ],
    };
    const performance = performanceFromMelody(melody, { bpm: 60, fermataStretch: 2 });
    assert.deepEqual(performance.notes, [
      { pitch: 60, start: 0, duration: 2 },
      { pitch: 62, start: 2 - 0.06, duration: 0.06 },
      { pitch: 64, start: 2, duration: 1 },
    ]);
    assert.equal(performance.durationSeconds, 4);
    assert.equal(performance.program, 73);
  });

  it('rejects tempos and programs out of range', () => {
    assert.throws(() => performanceFromMelody(AMAZING_GRACE, { bpm: 0 }), (error: unknown) => error instanceof RenderError && /tempo/.test(error.message));
    assert.throws(() => performanceFromMelody(AMAZING_GRACE, { bpm: 100, program: -1 }), (error: unknown) => error instanceof RenderError && error.kind === 'option');
  });
});
