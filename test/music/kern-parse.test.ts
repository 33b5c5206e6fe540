import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKern, parseKernWithChords } from '../../src/music/kern-parse.js';
import { KernParseError } from '../../src/music/errors.js';
import type { MelodyEvent } from '../../src/music/types.js';
import { fixture } from './paths.js';

/** [pitch or 'r', onset, duration] per event: compact golden expectations. */
function compact(events: readonly MelodyEvent[]): [number | 'r', number, number][] {
  return events.map((e) => [e.kind === 'note' ? e.pitch : 'r', e.onset, e.duration]);
}

function kern(body: string): string {
  return `**kern\n${body.trim()}\n*-\n`;
}

function parseError(text: string): KernParseError {
  try {
    parseKern(text, 'inline.krn');
  } catch (error) {
    assert.ok(error instanceof KernParseError, `expected KernParseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a KernParseError');
}

describe('parseKern: fixtures', () => {
  it('reads Twinkle, Twinkle: title, region, key, meter, barlines, phrases', () => {
    const { text, path } = fixture('twinkle.krn');
    const melody = parseKern(text, path);
    assert.equal(melody.title, 'Twinkle, Twinkle, Little Star');
    assert.equal(melody.region, 'Europa, France');
    assert.equal(melody.source, path);
    assert.deepEqual(melody.key, { tonic: 0, mode: 'major', fifths: 0 });
    assert.equal(melody.keySource, 'file');
    assert.deepEqual(melody.meters, [{ tick: 0, meter: { numerator: 4, denominator: 4 } }]);
    assert.deepEqual(melody.barlines, [3840, 7680, 11520, 15360]);
    assert.deepEqual(melody.phraseStarts, [0, 7680]);
    const q = 960;
    const pitches = [60, 60, 67, 67, 69, 69, 67, 65, 65, 64, 64, 62, 62, 60];
    const durations = [q, q, q, q, q, q, 2 * q, q, q, q, q, q, q, 2 * q];
    let onset = 0;
    const expected = pitches.map((pitch, i): [number, number, number] => {
      const event: [number, number, number] = [pitch, onset, durations[i] ?? 0];
      onset += durations[i] ?? 0;
      return event;
    });
    assert.deepEqual(compact(melody.events), expected);
    assert.equal(melody.events[0]?.kind === 'note' ? melody.events[0].spelling : null, 'c');
  });

  it('reads Ode to Joy: D major signature, dotted notes, a tie across a barline, a fermata', () => {
    const melody = parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
    assert.deepEqual(melody.key, { tonic: 2, mode: 'major', fifths: 2 });
    assert.equal(melody.region, undefined);
    assert.ok(!('region' in melody), 'no region key when the file has no !!!ARE');
    assert.deepEqual(compact(melody.events), [
      [66, 0, 960], [66, 960, 960], [67, 1920, 960], [69, 2880, 960],
      [69, 3840, 960], [67, 4800, 960], [66, 5760, 960], [64, 6720, 960],
      [62, 7680, 960], [62, 8640, 960], [64, 9600, 960], [66, 10560, 960],
      [66, 11520, 1440], [64, 12960, 480], [64, 13440, 1920],
      [64, 15360, 960], [66, 16320, 960], [62, 17280, 960], [64, 18240, 1920],
      [66, 20160, 960], [62, 21120, 1920],
    ]);
    assert.deepEqual(melody.barlines, [3840, 7680, 11520, 15360, 19200, 23040]);
    assert.deepEqual(melody.phraseStarts, [0, 15360]);
    const last = melody.events[melody.events.length - 1];
    assert.deepEqual(last, { kind: 'note', pitch: 62, onset: 21120, duration: 1920, spelling: 'd', fermata: true });
    assert.equal(melody.events[0]?.kind === 'note' ? melody.events[0].spelling : null, 'f#');
  });

  it('reads a pickup, grace note, _ ties over two barlines, meter changes, triplets, rest and free meter', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, '/some/folder/pickup-mixed.krn');
    assert.equal(melody.title, 'pickup-mixed', 'no !!!OTL: the file name stands in');
    assert.equal(melody.keySource, 'estimated');
    assert.deepEqual(melody.key, { tonic: 0, mode: 'major', fifths: 0 });
    assert.deepEqual(melody.meters, [
      { tick: 0, meter: { numerator: 3, denominator: 4 } },
      { tick: 9120, meter: { numerator: 2, denominator: 4 } },
      { tick: 11040, meter: null },
    ]);
    assert.deepEqual(melody.barlines, [480, 3360, 6240, 9120, 11040, 12480]);
    assert.deepEqual(melody.phraseStarts, [480]);
    assert.deepEqual(compact(melody.events), [
      [67, 0, 480],
      [72, 480, 960], [72, 1440, 0], [71, 1440, 960], [69, 2400, 960],
      [67, 3360, 3840], [65, 7200, 960], [64, 8160, 960],
      [62, 9120, 320], [64, 9440, 320], [65, 9760, 320], ['r', 10080, 480], [67, 10560, 480],
      [60, 11040, 1440],
    ]);
    assert.deepEqual(melody.events[2], { kind: 'note', pitch: 72, onset: 1440, duration: 0, spelling: 'cc', grace: true });
    assert.equal(melody.events[13]?.fermata, true);
  });

  it('accepts the Essen oddities: decimal reciprocal 1.5, misplaced accidentals, [x] tie middles, *MFREI', () => {
    const melody = parseKern(
      kern('*MFREI4/4\n*k[f#]\n*G:\n1.5a\n3g\n4ff//#\n8ffxxxx#\n[2g\n=1\n[2g]\n4g]\n[2a]\n4a]\n=='),
      'x.krn',
    );
    assert.deepEqual(melody.meters, [{ tick: 0, meter: null }]);
    assert.deepEqual(compact(melody.events), [
      [69, 0, 2560], [67, 2560, 1280], [78, 3840, 960], [78, 4800, 480], [67, 5280, 4800], [69, 10080, 2880],
    ]);
    assert.equal(melody.events[2]?.kind === 'note' ? melody.events[2].spelling : '', 'ff#');
  });

  it('reads keys: minor, flats, *? and missing key estimated; a key change keeps the opening key', () => {
    assert.deepEqual(parseKern(kern('*a:\n4a'), 'k').key, { tonic: 9, mode: 'minor', fifths: 0 });
    assert.deepEqual(parseKern(kern('*B-:\n4B-'), 'k').key, { tonic: 10, mode: 'major', fifths: -2 });
    assert.deepEqual(parseKern(kern('*f#:\n4f#'), 'k').key, { tonic: 6, mode: 'minor', fifths: 3 });
    assert.deepEqual(parseKern(kern('*e-:\n4e-'), 'k').key, { tonic: 3, mode: 'minor', fifths: -6 });
    assert.deepEqual(parseKern(kern('*C:\n4c\n*G:\n4g'), 'k').key, { tonic: 0, mode: 'major', fifths: 0 });
    const unknown = parseKern(kern('*?\n4a\n4c\n4e\n4a\n2A'), 'k');
    assert.equal(unknown.keySource, 'estimated');
    assert.deepEqual(unknown.key, { tonic: 9, mode: 'minor', fifths: 0 });
  });

  it('accepts the signs that carry no pitch or time, and barline styles', () => {
    const melody = parseKern(
      kern("*ICvox\n*Ivox\n*>A\n*MM120\n*tb8\n*\n!! a comment\n4c'L\n8d^J\n8e~k/\n=:|!\n(4fK)\n4g\\y\n=||\n2aXv\n=1;\n.\n4bx;\n=="),
      'k',
    );
    assert.deepEqual(compact(melody.events), [
      [60, 0, 960], [62, 960, 480], [64, 1440, 480], [65, 1920, 960], [67, 2880, 960], [69, 3840, 1920], [71, 5760, 960],
    ]);
    assert.deepEqual(melody.barlines, [1920, 3840, 5760, 6720]);
    assert.equal(melody.events[6]?.fermata, true);
  });

  it('reads *MZ as free meter until the next *M, ignores a byte-order mark and CRLF line ends', () => {
    const melody = parseKern('\uFEFF**kern\r\n*MZ\r\n4c\r\n4d\r\n=\r\n*M2/4\r\n2e\r\n==\r\n*-\r\n', 'k');
    assert.deepEqual(melody.meters, [{ tick: 0, meter: null }, { tick: 1920, meter: { numerator: 2, denominator: 4 } }]);
    assert.deepEqual(melody.barlines, [1920, 3840]);
  });

  it('joins several titles and falls back to "Untitled" without title or file name', () => {
    assert.equal(parseKern(`!!!OTL: One\n!!!OTL: Two\n${kern('4c')}`, 'a.krn').title, 'One / Two');
    assert.equal(parseKern(kern('4c'), '').title, 'Untitled');
  });

  it('reads breves, 32nds, quintuplet-free tuplets 6/12/24/48 and double dots exactly', () => {
    const melody = parseKern(kern('0c\n32d\n6e\n24f\n48g\n4..a\n2.b'), 'd');
    assert.deepEqual(
      melody.events.map((e) => e.duration),
      [7680, 120, 640, 160, 80, 1680, 2880],
    );
  });
});

describe('parseKern: errors', () => {
  const cases: { name: string; text: string; line: number; token: string; reason: string; mentions: string[] }[] = [
    { name: 'two spines', text: '**kern\t**kern\n4c\t4e\n*-\t*-\n', line: 1, token: '**kern | **kern', reason: 'multiple spines', mentions: ['one **kern spine'] },
    { name: 'spine split', text: kern('4c\n*^\n4c\t4e'), line: 3, token: '*^', reason: 'multiple spines', mentions: ['one voice'] },
    { name: 'chord', text: kern('4c\n4c 4e'), line: 3, token: '4c 4e', reason: 'chord', mentions: ['monophonic'] },
    { name: 'unrepresentable duration', text: kern('4c\n7d'), line: 3, token: '7d', reason: 'duration not representable', mentions: ['960', '"7"'] },
    { name: 'unknown signifier', text: kern('4c\n4d!'), line: 3, token: '4d!', reason: 'unknown signifier', mentions: ['"!"', 'e.g. "4c"'] },
    { name: 'missing duration', text: kern('4c\nd'), line: 3, token: 'd', reason: 'missing duration', mentions: ['grace notes (q)'] },
    { name: 'no pitch', text: kern('4c\n4'), line: 3, token: '4', reason: 'no pitch or rest', mentions: ['pitch (a-g, A-G)'] },
    { name: 'tie end without start', text: kern('4c\n4d]'), line: 3, token: '4d]', reason: 'tie without start', mentions: ['opened with ['] },
    { name: 'tie to another pitch', text: kern('[4c\n4d]'), line: 3, token: '4d]', reason: 'tie between different notes', mentions: ['line 2'] },
    { name: 'tie never closed', text: kern('[4c\n4d'), line: 3, token: '4d', reason: 'unfinished tie', mentions: ['line 2'] },
    { name: 'not kern', text: '**mens\n4c\n*-\n', line: 1, token: '**mens', reason: 'not **kern', mentions: ['**kern'] },
    { name: 'data after the end', text: kern('4c') + '4d\n', line: 4, token: '4d', reason: 'data after end', mentions: ['one melody per file'] },
    { name: 'no notes', text: kern('4r'), line: 4, token: '', reason: 'no notes', mentions: ['at least one note'] },
    { name: 'bad barline', text: kern('4c\n=a=b'), line: 3, token: '=a=b', reason: 'bad barline', mentions: ['"=5"'] },
  ];
  for (const c of cases) {
    it(`rejects ${c.name} with file, line, token and what is accepted`, () => {
      const error = parseError(c.text);
      assert.equal(error.source, 'inline.krn');
      assert.equal(error.line, c.line);
      assert.equal(error.token, c.token);
      assert.equal(error.reason, c.reason);
      assert.ok(error.message.startsWith(`inline.krn:${c.line}: ${c.reason}`), error.message);
      for (const mention of c.mentions) assert.ok(error.message.includes(mention), `"${mention}" missing in: ${error.message}`);
    });
  }
});

describe('parseKernWithChords: a harmony spine beside the melody', () => {
  const text = ['**kern\t**mxhm', '*M2/4\t*above', '=1\t=1', '4c\tC', '4e\t.', '=2\t=2', '2g\tG7', '.\tC', '==\t==', '*-\t*-', ''].join('\n');

  it('reads the melody as from one spine and the symbols at their notes, leaving out one under a held note', () => {
    const { melody, chords } = parseKernWithChords(text, 'two-spines.krn');
    assert.deepEqual(melody.events.map((event) => (event.kind === 'note' ? event.pitch : null)), [60, 64, 67]);
    assert.deepEqual(chords, [{ tick: 0, symbol: 'C' }, { tick: 1920, symbol: 'G7' }]);
    assert.deepEqual(parseKern(text, 'two-spines.krn').events, melody.events);
  });

  it('refuses a third spine and a line with the wrong number of fields', () => {
    assert.throws(() => parseKern(text.replace('4e\t.', '4e\t.\t.'), 'bad.krn'), (error: unknown) => error instanceof KernParseError && /harmony spine/.test(error.message));
    assert.throws(() => parseKern('**kern\t**kern\n4c\t4e\n*-\t*-\n', 'bad.krn'), KernParseError);
  });
});
