import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKern, parseKernWithChords } from '../../src/music/kern-parse.js';
import { harmonize } from '../../src/music/harmony.js';
import { barlinesForMeter, durationPieces, keySignatureLine, recipText, writeKern } from '../../src/music/kern-write.js';
import { keyOf } from '../../src/music/key.js';
import type { Melody, MelodyEvent } from '../../src/music/types.js';
import { fixture } from './paths.js';
import { verovioToolkit } from './verovio-toolkit.js';

const FIXTURES = ['twinkle.krn', 'ode-to-joy.krn', 'pickup-mixed.krn'];

function generated(events: MelodyEvent[], extra: Partial<Melody> = {}): Melody {
  const end = events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  const meters = [{ tick: 0, meter: { numerator: 3, denominator: 4 } }];
  return {
    title: 'Generated',
    source: 'generated',
    key: keyOf(7, 'major'),
    keySource: 'file',
    meters,
    barlines: barlinesForMeter(meters, end),
    events,
    phraseStarts: [0],
    ...extra,
  };
}

describe('writeKern', () => {
  it('writes Twinkle, Twinkle as expected', () => {
    const melody = parseKern(fixture('twinkle.krn').text, 'twinkle.krn');
    const expected = [
      '!!!OTL: Twinkle, Twinkle, Little Star',
      '!!!ARE: Europa, France',
      '**kern',
      '*clefG2',
      '*M4/4',
      '*k[]',
      '*C:',
      '=1',
      '{4c', '4c', '4g', '4g',
      '=2',
      '4a', '4a', '2g}',
      '=3',
      '{4f', '4f', '4e', '4e',
      '=4',
      '4d', '4d', '2c}',
      '==',
      '*-',
      '',
    ].join('\n');
    assert.equal(writeKern(melody), expected);
  });

  it('round-trips the fixtures exactly', () => {
    for (const name of FIXTURES) {
      const melody = parseKern(fixture(name).text, name);
      assert.deepStrictEqual(parseKern(writeKern(melody), name), melody, name);
    }
  });

  it('ties a note across barlines, splits odd lengths, writes rests for gaps, grace notes and fermatas', () => {
    // 3/4 in G: the second note (5 quarters) crosses a barline, the fourth lasts 2/3 of a whole note.
    const melody = generated([
      { kind: 'note', pitch: 67, onset: 0, duration: 960, spelling: 'g' },
      { kind: 'note', pitch: 66, onset: 960, duration: 4800 },
      { kind: 'note', pitch: 74, onset: 5760, duration: 0, grace: true },
      { kind: 'note', pitch: 72, onset: 5760, duration: 2560, fermata: true },
      { kind: 'rest', onset: 8320, duration: 320 },
      { kind: 'note', pitch: 71, onset: 9600, duration: 1920 },
    ]);
    const text = writeKern(melody);
    const body = text.split('\n').slice(text.split('\n').indexOf('*G:') + 1);
    assert.deepEqual(body, [
      '=1', '{4g', '[2f#',
      '=2', '2.f#]',
      '=3', '8ddq', '[2cc', '6cc;]', '12r', // 2560 ticks = a half tied to a triplet quarter
      '=4', '4r', '2b}', // the gap 8640..9600 is written as a rest
      '==', '*-', '',
    ]);
    const back = parseKern(text, 'generated');
    assert.deepEqual(
      back.events.map((e) => [e.kind, e.onset, e.duration]),
      [
        ['note', 0, 960], ['note', 960, 4800], ['note', 5760, 0], ['note', 5760, 2560], ['rest', 8320, 320],
        ['rest', 8640, 960], ['note', 9600, 1920],
      ],
    );
  });

  it('writes key signatures, minor keys, estimated keys (no key token) and free meter', () => {
    assert.equal(keySignatureLine(3), '*k[f#c#g#]');
    assert.equal(keySignatureLine(-4), '*k[b-e-a-d-]');
    assert.equal(keySignatureLine(0), '*k[]');
    const bbMinor = generated([{ kind: 'note', pitch: 58, onset: 0, duration: 2880 }], { key: keyOf(10, 'minor') });
    assert.ok(writeKern(bbMinor).includes('*k[b-e-a-d-g-]\n*b-:\n'));
    assert.ok(writeKern(bbMinor).includes('\n{2.B-}\n'), 'the note is spelt for the key when it has no spelling');
    const estimated = generated([{ kind: 'note', pitch: 60, onset: 0, duration: 960 }], {
      keySource: 'estimated',
      meters: [{ tick: 0, meter: null }],
      barlines: [],
    });
    const text = writeKern(estimated);
    assert.ok(text.includes('*MX\n*k[f#]\n{4c}\n*-'), text);
    assert.ok(!/\*[A-Ga-g][#-]*:/.test(text));
  });

  it('refuses overlapping events', () => {
    const overlapping = generated([
      { kind: 'note', pitch: 60, onset: 0, duration: 960 },
      { kind: 'note', pitch: 62, onset: 480, duration: 960 },
    ]);
    assert.throws(() => writeKern(overlapping), /overlap at tick 480/);
  });

  it('renders in verovio with the right notes and measures', async () => {
    const toolkit = await verovioToolkit();
    toolkit.setOptions({ inputFrom: 'humdrum' });
    const melody = parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
    assert.equal(toolkit.loadData(writeKern(melody)), 1);
    const svg = toolkit.renderToSVG(1);
    assert.equal((svg.match(/class="note[ "]/g) ?? []).length, 22, 'the tied note is two note heads');
    assert.equal((svg.match(/class="measure"/g) ?? []).length, 6);
    assert.equal((svg.match(/class="tie"/g) ?? []).length, 1);
    assert.equal((svg.match(/class="fermata"/g) ?? []).length, 1);
    toolkit.destroy();
  });
});

describe('writeKern with chord symbols', () => {
  it('writes a **mxhm spine that parses back to the same melody and the symbols at their notes', () => {
    const melody = parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
    const { changes } = harmonize(melody);
    const text = writeKern(melody, { chords: changes });
    assert.match(text, /^\*\*kern\t\*\*mxhm$/m);
    assert.match(text, /^\*clefG2\t\*above$/m);
    assert.match(text, /^=2\t=2$/m);
    assert.ok(text.split('\n').filter((line) => line !== '' && !line.startsWith('!!')).every((line) => line.split('\t').length === 2));
    const back = parseKernWithChords(text, 'with-chords.krn');
    assert.deepEqual(back.melody.events, parseKern(writeKern(melody), 'plain.krn').events);
    // Symbols under a held note stand on a line of their own, which parseKernWithChords cannot place in time.
    const underHeldNotes = text.split('\n').filter((line) => /^\.\t[^.]/.test(line)).length;
    assert.equal(back.chords.length + underHeldNotes, changes.length);
    for (const chord of back.chords) assert.ok(changes.some((span) => span.onset === chord.tick && span.chord.symbol === chord.symbol), `${chord.symbol} at ${chord.tick}`);
  });

  it('puts a chord that changes under a held note on a line of its own', () => {
    // 4/4: a whole note, then a half note from beat 2 over the half bar.
    const events: MelodyEvent[] = [
      { kind: 'note', pitch: 67, onset: 0, duration: 960 },
      { kind: 'note', pitch: 67, onset: 960, duration: 1920 },
      { kind: 'note', pitch: 64, onset: 2880, duration: 960 },
    ];
    const meters = [{ tick: 0, meter: { numerator: 4, denominator: 4 } }];
    const melody = generated(events, { meters, barlines: barlinesForMeter(meters, 3840), phraseStarts: [] });
    const chord = (symbol: string) => ({ symbol });
    const text = writeKern(melody, { chords: [{ onset: 0, chord: chord('C') }, { onset: 1920, chord: chord('G7') }] });
    const body = text.split('\n').filter((line) => /^[0-9.]/.test(line));
    assert.deepEqual(body, ['4g\tC', '2g\t.', '.\tG7', '4e\t.']);
  });

  it('renders the symbols above the staff in verovio', async () => {
    const toolkit = await verovioToolkit();
    toolkit.setOptions({ inputFrom: 'humdrum' });
    const melody = parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
    const { changes } = harmonize(melody);
    assert.equal(toolkit.loadData(writeKern(melody, { chords: changes })), 1);
    const svg = toolkit.renderToSVG(1);
    assert.equal((svg.match(/class="harm"/g) ?? []).length, changes.length);
    assert.equal((svg.match(/class="note[ "]/g) ?? []).length, 22);
    const harmY = Number(/class="harm"[^>]*>\s*<text x="\d+" y="(\d+)"/.exec(svg)?.[1]);
    const staffY = Number(/class="staff"[^>]*>\s*<path d="M\d+ (\d+)/.exec(svg)?.[1]);
    assert.ok(harmY < staffY, `chord symbol at y ${harmY}, staff's top line at ${staffY}`);
    toolkit.destroy();
  });
});

/** The note lines of `writeKern` for `notes` ([pitch or null for a rest, ticks]) in `meter`, after an optional pickup. */
function beamedBody(meter: [number, number], notes: [number | null, number][], pickup = 0): string[] {
  const events: MelodyEvent[] = [];
  let onset = 0;
  for (const [pitch, duration] of notes) {
    events.push(pitch === null ? { kind: 'rest', onset, duration } : { kind: 'note', pitch, onset, duration });
    onset += duration;
  }
  const meters = [{ tick: 0, meter: { numerator: meter[0], denominator: meter[1] } }];
  const melody = generated(events, { meters, barlines: barlinesForMeter(meters, onset, pickup), phraseStarts: [] });
  const text = writeKern(melody);
  const timing = (m: Melody): unknown[] => m.events.map((e) => [e.kind, e.onset, e.duration, e.kind === 'note' ? e.pitch : null]);
  assert.deepEqual(timing(parseKern(text, 'generated')), timing(melody), 'beam marks do not change the notes read back');
  const lines = text.split('\n');
  return lines.slice(lines.indexOf('*G:') + 1, -2);
}

describe('writeKern beams', () => {
  it('beams eighths and sixteenths per quarter in 2/4', () => {
    const body = beamedBody([2, 4], [[67, 480], [69, 480], [71, 240], [72, 240], [74, 240], [71, 240], [67, 960], [null, 960]]);
    assert.deepEqual(body, ['=1', '8gL', '8aJ', '16bLL', '16cc', '16dd', '16bJJ', '=2', '4g', '4r', '==']);
  });

  it('beams eighth pairs and a dotted eighth with its sixteenth (partial beam) in 3/4', () => {
    const body = beamedBody([3, 4], [[67, 720], [69, 240], [71, 480], [72, 480], [74, 480], [66, 240], [67, 240]]);
    assert.deepEqual(body, ['=1', '8.gL', '16aJk', '8bL', '8ccJ', '8ddL', '16f#L', '16gJJ', '==']);
    const mixed = beamedBody([3, 4], [[67, 240], [69, 480], [71, 240], [72, 480], [74, 240], [71, 240], [67, 960]]);
    assert.deepEqual(mixed, ['=1', '16gLK', '8a', '16bJk', '8ccL', '16ddL', '16bJJ', '4g', '==']);
  });

  it('beams per dotted quarter in 6/8', () => {
    const body = beamedBody([6, 8], [[67, 480], [69, 480], [71, 480], [72, 960], [74, 480], [71, 720], [69, 240], [67, 480], [66, 1440]]);
    assert.deepEqual(body, ['=1', '8gL', '8a', '8bJ', '4cc', '8dd', '=2', '8.bL', '16ak', '8gJ', '4.f#', '==']);
  });

  it('breaks beams at rests, quarters, beat boundaries and barlines; leaves a lone eighth flagged', () => {
    const rest = beamedBody([2, 4], [[67, 480], [null, 480], [71, 480], [72, 480]]);
    assert.deepEqual(rest, ['=1', '8g', '8r', '8bL', '8ccJ', '==']);
    const syncopated = beamedBody([2, 4], [[67, 480], [69, 960], [71, 480]]);
    assert.deepEqual(syncopated, ['=1', '8g', '4a', '8b', '==']);
    // The f crosses the barline: each tied piece beams with the eighth on its own side.
    const tied = beamedBody([2, 4], [[67, 480], [69, 480], [71, 480], [72, 960], [74, 480], [71, 960]]);
    assert.deepEqual(tied, ['=1', '8gL', '8aJ', '8bL', '[8ccJ', '=2', '8ccL]', '8ddJ', '4b', '==']);
  });

  it('beams a triplet as one group', () => {
    const body = beamedBody([2, 4], [[67, 320], [69, 320], [71, 320], [72, 960]]);
    assert.deepEqual(body, ['=1', '12gL', '12a', '12bJ', '4cc', '==']);
  });

  it('counts beats back from the first barline in a pickup, beams half bars of eighths in 4/4, quarters in free meter', () => {
    // A pickup of three eighths in 3/4 is the end of a bar: the first eighth stands alone on beat 2.
    const pickup = beamedBody([3, 4], [[62, 480], [64, 480], [66, 480], [67, 480], [69, 480], [71, 480], [72, 480], [74, 960]], 1440);
    assert.deepEqual(pickup, ['8d', '8eL', '8f#J', '=1', '8gL', '8aJ', '8bL', '8ccJ', '4dd', '==']);
    const common = beamedBody([4, 4], [[67, 480], [69, 480], [71, 480], [72, 480], [74, 480], [72, 480], [71, 960]]);
    assert.deepEqual(common, ['=1', '8gL', '8a', '8b', '8ccJ', '8ddL', '8ccJ', '4b', '==']);
    const free = writeKern(
      generated(
        [67, 69, 71, 72].map((pitch, i): MelodyEvent => ({ kind: 'note', pitch, onset: 480 * i, duration: 480 })),
        { meters: [{ tick: 0, meter: null }], barlines: [], phraseStarts: [] },
      ),
    );
    assert.ok(free.includes('\n8gL\n8aJ\n8bL\n8ccJ\n'), free);
  });

  it('renders beams in verovio', async () => {
    const toolkit = await verovioToolkit();
    toolkit.setOptions({ inputFrom: 'humdrum' });
    const melody = generated([
      { kind: 'note', pitch: 67, onset: 0, duration: 720 },
      { kind: 'note', pitch: 69, onset: 720, duration: 240 },
      { kind: 'note', pitch: 71, onset: 960, duration: 320 },
      { kind: 'note', pitch: 72, onset: 1280, duration: 320 },
      { kind: 'note', pitch: 74, onset: 1600, duration: 320 },
      { kind: 'note', pitch: 71, onset: 1920, duration: 480 },
      { kind: 'note', pitch: 67, onset: 2400, duration: 240 },
      { kind: 'note', pitch: 69, onset: 2640, duration: 240 },
      { kind: 'note', pitch: 71, onset: 2880, duration: 480 },
    ]);
    assert.equal(toolkit.loadData(writeKern(melody)), 1);
    const svg = toolkit.renderToSVG(1);
    assert.equal((svg.match(/class="beam"/g) ?? []).length, 3);
    assert.equal((svg.match(/class="flag"/g) ?? []).length, 1, 'only the last, lone eighth has a flag');
    toolkit.destroy();
  });
});

describe('durations and barlines', () => {
  it('splits lengths into kern durations', () => {
    const show = (ticks: number): string => durationPieces(ticks).map(recipText).join(' ');
    assert.equal(show(960), '4');
    assert.equal(show(1440), '4.');
    assert.equal(show(320), '12');
    assert.equal(show(7680), '0');
    assert.equal(show(4800), '1 4');
    assert.equal(show(2560), '2 6');
    assert.equal(show(1000), '6 16.');
    assert.throws(() => recipText(4800), /not one kern duration/);
  });

  it('places barlines from meters and a pickup', () => {
    const threeFour = [{ tick: 0, meter: { numerator: 3, denominator: 4 } }];
    assert.deepEqual(barlinesForMeter(threeFour, 9600, 960), [960, 3840, 6720, 9600]);
    assert.deepEqual(barlinesForMeter(threeFour, 8640), [2880, 5760, 8640]);
    assert.deepEqual(barlinesForMeter(threeFour, 8000), [2880, 5760, 8000], 'a short last bar still ends with a barline');
    const changing = [
      { tick: 0, meter: { numerator: 2, denominator: 4 } },
      { tick: 3840, meter: { numerator: 6, denominator: 8 } },
      { tick: 6720, meter: null },
    ];
    assert.deepEqual(barlinesForMeter(changing, 9000), [1920, 3840, 6720, 9000]);
  });
});
