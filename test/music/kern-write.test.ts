import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKern } from '../../src/music/kern-parse.js';
import { barlinesForMeter, durationPieces, keySignatureLine, recipText, writeKern } from '../../src/music/kern-write.js';
import { keyOf } from '../../src/music/key.js';
import type { Melody, MelodyEvent } from '../../src/music/types.js';
import { fixture } from './paths.js';

/** The few verovio calls this test makes (the package ships no types; the specifiers are variables on purpose). */
interface Toolkit {
  setOptions(options: Record<string, string>): void;
  loadData(data: string): number;
  renderToSVG(page: number): string;
  destroy(): void;
}
async function verovioToolkit(): Promise<Toolkit> {
  const modulePath: string = 'verovio/wasm-hum';
  const toolkitPath: string = 'verovio/esm';
  const { default: createModule } = (await import(modulePath)) as { default: () => Promise<unknown> };
  const { VerovioToolkit } = (await import(toolkitPath)) as { VerovioToolkit: new (module: unknown) => Toolkit };
  return new VerovioToolkit(await createModule());
}

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
