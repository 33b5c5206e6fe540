// The ABC writer: its header and layout, and every tune read back by abcjs (a maintained ABC parser and player)
// with the same pitches and durations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import abcjs from 'abcjs';
import { writeAbc } from '../../../src/music/formats/abc-write.js';
import { parseKern } from '../../../src/music/kern-parse.js';
import { TICKS_PER_QUARTER } from '../../../src/music/types.js';
import { fixture } from '../paths.js';
import { generated, melodyNotes, notes } from './melodies.js';

const WHOLE = 4 * TICKS_PER_QUARTER;

/** What abcjs plays: [MIDI pitch, start, length] in ticks, grace notes folded back into their main note. */
function abcjsNotes(abc: string): [number, number, number][] {
  const [tune] = abcjs.parseOnly(abc);
  assert.ok(tune, 'abcjs parses a tune');
  assert.equal(tune.warnings, undefined, `abcjs warns: ${JSON.stringify(tune.warnings)}`);
  const track = (tune.setUpAudio({ chordsOff: true }) as { tracks: { cmd: string; pitch: number; start: number; duration: number; style?: string }[][] }).tracks[0] ?? [];
  const notes: [number, number, number][] = [];
  let grace: number | null = null;
  for (const event of track) {
    if (event.cmd !== 'note') continue;
    const start = Math.round(event.start * WHOLE);
    const length = Math.round(event.duration * WHOLE);
    if (event.style === 'grace') {
      grace ??= start;
      continue;
    }
    notes.push([event.pitch, grace ?? start, start + length - (grace ?? start)]);
    grace = null;
  }
  return notes;
}

describe('writeAbc', () => {
  it('writes Twinkle, Twinkle with its header and four bars to a line', () => {
    const melody = parseKern(fixture('twinkle.krn').text, 'twinkle.krn');
    assert.equal(
      writeAbc(melody, { tempo: 96 }),
      ['X:1', 'T:Twinkle, Twinkle, Little Star', 'M:4/4', 'L:1/8', 'Q:1/4=96', 'K:Cmaj', 'C2 C2 G2 G2 | A2 A2 G4 | F2 F2 E2 E2 | D2 D2 C4 |]', ''].join('\n'),
    );
  });

  it('writes a pickup, ties over barlines, a grace note, triplets, a rest, meter changes and a fermata', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const abc = writeAbc(melody, { tempo: 100 });
    assert.match(abc, /^G \| c2 \{c\}B2 A2 \| G6- \| G2 F2 E2 \| \[M:2\/4\] \(3DEF z G \|$/m);
    assert.match(abc, /^\[M:none\] !fermata!C3 \|\]$/m);
    assert.deepEqual(abcjsNotes(abc), melodyNotes(melody));
  });

  it('reads back in abcjs with the same pitches and durations for every fixture', () => {
    for (const name of ['twinkle.krn', 'ode-to-joy.krn', 'pickup-mixed.krn']) {
      const melody = parseKern(fixture(name).text, name);
      assert.deepEqual(abcjsNotes(writeAbc(melody, { tempo: 100 })), melodyNotes(melody), name);
    }
  });

  it('writes accidentals once per bar against the key signature, and again after a tie into the next bar', () => {
    // D minor (one flat): B natural twice in a bar, C sharp twice (the second tied over the barline), B flat.
    const e = TICKS_PER_QUARTER / 2;
    const melody = generated(notes([[71, e], [71, e], [73, e], [69, e], [73, 3 * e], [73, e], [70, e], [62, e]]));
    const abc = writeAbc(melody, { tempo: 100 });
    assert.match(abc, /^=BB\^c A c2- \| \^c\^cB D \|\]$/m);
    assert.match(abc, /^K:Dmin$/m);
    assert.deepEqual(abcjsNotes(abc), melodyNotes(melody));
  });

  it('beams eighths by the dotted-quarter beat in 6/8, sixteenths with L:1/16 in 2/4', () => {
    const e = TICKS_PER_QUARTER / 2;
    assert.match(writeAbc(generated(notes([[62, e], [64, e], [65, e], [67, e], [69, e], [70, e]])), { tempo: 90 }), /^DEF GAB \|\]$/m);
    const s = TICKS_PER_QUARTER / 4;
    const twoFour = generated(notes([[62, s], [64, s], [65, 2 * s], [67, 4 * s]]), { meters: [{ tick: 0, meter: { numerator: 2, denominator: 4 } }] });
    const abc = writeAbc(twoFour, { tempo: 90 });
    assert.match(abc, /^L:1\/16$/m);
    assert.match(abc, /^DEF2 G4 \|\]$/m);
    assert.deepEqual(abcjsNotes(abc), melodyNotes(twoFour));
  });

  it('writes triplets of mixed lengths and long notes as tied pieces', () => {
    const t = TICKS_PER_QUARTER / 3;
    const melody = generated(notes([[62, 2 * t], [64, t], [65, 5 * TICKS_PER_QUARTER], [null, TICKS_PER_QUARTER / 2]]), {
      meters: [{ tick: 0, meter: { numerator: 3, denominator: 4 } }],
    });
    const abc = writeAbc(melody, { tempo: 100 });
    assert.match(abc, /^\(3:2:2D2 E F4- \| F6 \| z \|\]$/m);
    assert.deepEqual(abcjsNotes(abc), melodyNotes(melody));
  });

  it('writes chord symbols above the notes, splitting a note that a chord change falls in', () => {
    const q = TICKS_PER_QUARTER;
    const melody = generated(notes([[62, 2 * q], [65, q], [69, 3 * q]]), { meters: [{ tick: 0, meter: { numerator: 3, denominator: 4 } }] });
    const abc = writeAbc(melody, { tempo: 100, chords: [{ tick: 0, symbol: 'Dm' }, { tick: 3 * q, symbol: 'F' }, { tick: 4 * q, symbol: 'C7' }] });
    assert.match(abc, /^"Dm"D4 F2 \| "F"A2- "C7"A4 \|\]$/m);
    const [tune] = abcjs.parseOnly(abc);
    const symbols = (tune?.lines[0]?.staff?.[0]?.voices?.[0] ?? []).flatMap((el) => ((el as { chord?: { name: string }[] }).chord ?? []).map((c) => c.name));
    assert.deepEqual(symbols, ['Dm', 'F', 'C7']);
    assert.deepEqual(abcjsNotes(abc), melodyNotes(melody));
  });

  it('keeps a title on one line and escapes the comment sign', () => {
    const abc = writeAbc(generated(notes([[62, 3 * TICKS_PER_QUARTER]]), { title: '100% folk' }), { tempo: 100 });
    const [tune] = abcjs.parseOnly(abc);
    // abcjs shows an escaped % as a full-width per cent sign after a zero-width space.
    assert.equal(tune?.metaText.title?.replace(/\u200b/g, '').replace('\uff05', '%'), '100% folk');
  });
});
