import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeed, SEED_MAX_EVENTS } from '../../src/music/seed.js';
import { SeedError } from '../../src/music/errors.js';

function seedError(text: string): SeedError {
  try {
    parseSeed(text);
  } catch (error) {
    assert.ok(error instanceof SeedError, `expected SeedError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected "${text}" to be rejected`);
}

describe('parseSeed', () => {
  it('reads notes, dots, accidentals, octaves, rests, triplets and barlines', () => {
    const seed = parseSeed('4c 8.d 16e- 2r | 4cc# = 12C 12B- 12An 2..g');
    assert.deepEqual(seed.events, [
      { kind: 'note', pitch: 60, onset: 0, duration: 960, spelling: 'c' },
      { kind: 'note', pitch: 62, onset: 960, duration: 720, spelling: 'd' },
      { kind: 'note', pitch: 63, onset: 1680, duration: 240, spelling: 'e-' },
      { kind: 'rest', onset: 1920, duration: 1920 },
      { kind: 'note', pitch: 73, onset: 3840, duration: 960, spelling: 'cc#' },
      { kind: 'note', pitch: 48, onset: 4800, duration: 320, spelling: 'C' },
      { kind: 'note', pitch: 58, onset: 5120, duration: 320, spelling: 'B-' },
      { kind: 'note', pitch: 57, onset: 5440, duration: 320, spelling: 'An' },
      { kind: 'note', pitch: 67, onset: 5760, duration: 3360, spelling: 'g' },
    ]);
    assert.equal(seed.ticks, 9120);
    assert.equal(seed.firstBarline, 3840, 'where the first bar line after some notes stands');
  });

  it('keeps where the first bar line stands, ignoring one before any note', () => {
    assert.equal(parseSeed('8g | 4c 4e').firstBarline, 480);
    assert.equal(parseSeed('| 4c 4d 4e 4f | 4g').firstBarline, 3840);
    assert.equal(parseSeed('4c 4d').firstBarline, null);
  });

  it('allows an empty seed and extra spaces', () => {
    assert.deepEqual(parseSeed(''), { events: [], ticks: 0, firstBarline: null });
    assert.deepEqual(parseSeed('   \t '), { events: [], ticks: 0, firstBarline: null });
    assert.equal(parseSeed('  4c    4d ').events.length, 2);
  });

  it('joins tied notes into one: "[2c 8c]" lasts a half and an eighth, "_" continues a tie', () => {
    const seed = parseSeed('[2c 8c] 4d [4e 4e_ 8e]');
    assert.deepEqual(
      seed.events.map((e) => [e.kind === 'note' ? e.pitch : null, e.onset, e.duration]),
      [[60, 0, 2400], [62, 2400, 960], [64, 3360, 2400]],
    );
    assert.equal(seed.ticks, 5760);
  });

  it(`accepts up to ${SEED_MAX_EVENTS} notes and rests`, () => {
    assert.equal(parseSeed(Array(SEED_MAX_EVENTS).fill('8c').join(' ')).events.length, SEED_MAX_EVENTS);
  });

  const cases: { text: string; position: number; column: number; token: string; says: string[] }[] = [
    { text: '4c 4x', position: 2, column: 4, token: '4x', says: ['unknown pitch "x"', 'c = middle C'] },
    { text: '4c 4Bb', position: 2, column: 4, token: '4Bb', says: ['unknown pitch "Bb"', 'write a flat as "-": "B-"'] },
    { text: '4c c', position: 2, column: 4, token: 'c', says: ['missing duration', 'e.g. "4c"'] },
    { text: '8c 5d', position: 2, column: 4, token: '5d', says: ['impossible duration "5"', 'triplets 3 6 12 24'] },
    { text: '64c', position: 1, column: 1, token: '64c', says: ['impossible duration "64"', '1 2 4 8 16 32'] },
    { text: '4...c', position: 1, column: 1, token: '4...c', says: ['too many dots', 'at most 2'] },
    { text: '4c | 4CCC', position: 3, column: 6, token: '4CCC', says: ['outside the range', 'MIDI 24', 'MIDI 36..96'] },
    { text: '4cccc#', position: 1, column: 1, token: '4cccc#', says: ['C#7', 'MIDI 97', 'MIDI 36..96'] },
    { text: '4c [4c', position: 2, column: 4, token: '[4c', says: ['never closed', '"[2c 8c]"'] },
    { text: '4c 4c]', position: 2, column: 4, token: '4c]', says: ['no tie on this pitch is open'] },
    { text: '[4c 4d]', position: 2, column: 5, token: '4d]', says: ['no tie on this pitch is open'] },
    { text: '[4c 4d', position: 2, column: 5, token: '4d', says: ['not closed'] },
    { text: '[4r 4r]', position: 1, column: 1, token: '[4r', says: ['a rest cannot be tied'] },
    {
      text: Array(SEED_MAX_EVENTS + 1).fill('8c').join(' '),
      position: SEED_MAX_EVENTS + 1,
      column: SEED_MAX_EVENTS * 3 + 1,
      token: '8c',
      says: [`at most ${SEED_MAX_EVENTS} notes and rests`],
    },
  ];
  for (const c of cases) {
    it(`rejects "${c.text.slice(0, 20)}" saying what is wrong, where, with an example`, () => {
      const error = seedError(c.text);
      assert.equal(error.position, c.position);
      assert.equal(error.column, c.column);
      assert.equal(error.token, c.token);
      assert.ok(error.message.startsWith(`seed token ${c.position} "${c.token}" (column ${c.column}): `), error.message);
      assert.ok(error.message.endsWith('Example of a seed: "4c 8.d 16e- 2r | 4cc#"'), error.message);
      for (const part of c.says) assert.ok(error.message.includes(part), `"${part}" missing in: ${error.message}`);
    });
  }
});
