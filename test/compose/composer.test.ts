// The compose pipeline on the shipped default model: determinism, the seed honoured, well-formed tunes in the
// asked key and meter, and every file decoding back to the same tune.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import toneMidi from '@tonejs/midi';
import { decode as decodePng } from 'fast-png';
import { MPEGDecoder } from 'mpg123-decoder';
import { Composer } from '../../src/compose/composer.js';
import { ComposeOptionError } from '../../src/compose/compose-options.js';
import { SeedError } from '../../src/music/errors.js';
import { parseKern } from '../../src/music/kern-parse.js';
import { parseSeed } from '../../src/music/seed.js';
import { tuneStats } from '../../src/music/tune-stats.js';
import { TICKS_PER_QUARTER } from '../../src/music/types.js';

const { Midi } = toneMidi;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelDir = path.join(repoRoot, 'models/default');

describe('Composer on the shipped model', () => {
  let composer: Composer;
  before(async () => {
    composer = await Composer.open(modelDir);
  });
  after(() => composer.dispose());

  it('gives the same tune for the same options and random seed, and another for another seed', async () => {
    const options = { seed: '4c 8d 8e 4f 4g', bars: 8, randomSeed: 42 };
    const first = await composer.compose(options);
    const again = await composer.compose(options);
    const other = await composer.compose({ ...options, randomSeed: 43 });
    assert.deepEqual(again.notes, first.notes);
    assert.equal(again.files.kern, first.files.kern);
    assert.deepEqual(again.files.midi, first.files.midi);
    assert.notDeepEqual(other.notes, first.notes);
  });

  it('starts with exactly the seed, fills every bar of the meter and ends on the tonic', async () => {
    const seed = '8.g 16a 8g 8e 4c';
    const result = await composer.compose({ seed, bars: 12, meter: { numerator: 3, denominator: 4 }, randomSeed: 7 });
    const seedEvents = parseSeed(seed).events;
    assert.equal(result.key.name, 'C major');
    const opening = result.notes.slice(0, seedEvents.length);
    assert.deepEqual(
      opening,
      seedEvents.map((e) => ({ pitch: e.kind === 'note' ? e.pitch : null, onset: e.onset / TICKS_PER_QUARTER, duration: e.duration / TICKS_PER_QUARTER })),
    );
    const last = result.notes[result.notes.length - 1]!;
    assert.equal(last.onset + last.duration, 12 * 3, 'twelve full bars of 3/4');
    // The final note may be followed by a rest, as in written songs.
    const final = result.notes.filter((note) => note.pitch !== null).at(-1)!;
    assert.equal(final.pitch! % 12, 0, 'the last note is a C');
    // Contiguous: each event starts where the previous one ended.
    result.notes.slice(1).forEach((note, i) => assert.equal(note.onset, result.notes[i]!.onset + result.notes[i]!.duration));
    const melody = parseKern(result.files.kern, 'tune.krn');
    assert.deepEqual(melody.meters, [{ tick: 0, meter: { numerator: 3, denominator: 4 } }]);
    assert.equal(melody.barlines.length, 12);
  });

  it('puts chords under the tune: symbols in the kern, a second MIDI track and more sound with full; none without', async () => {
    const options = { seed: '4g 8a 8g 4e 4c', bars: 8, key: 'G', randomSeed: 11 };
    const full = await composer.compose({ ...options, accompaniment: 'full' });
    const chords = await composer.compose({ ...options, accompaniment: 'chords' });
    const none = await composer.compose({ ...options, accompaniment: 'none' });
    assert.deepEqual(chords.notes, full.notes, 'the accompaniment does not change the melody');
    assert.deepEqual(none.notes, full.notes);
    assert.equal(full.options.accompaniment, 'full');
    // How often the chord changes follows the melody (this one outlines G for bars 3-7: 3 changes); over several
    // tunes of the request, every one changes chord and they change about every other bar or more often.
    assert.ok(full.chords.length >= 2, `${full.chords.length} chord changes`);
    const changes: number[] = [full.chords.length];
    for (const randomSeed of [12, 13, 14, 15, 16]) changes.push((await composer.compose({ ...options, randomSeed, accompaniment: 'chords' })).chords.length);
    assert.ok(changes.every((n) => n >= 2) && changes.reduce((a, b) => a + b, 0) >= 4 * changes.length, `chord changes per 8-bar tune: ${changes.join(' ')}`);
    assert.equal(full.chords[0]?.onset, 0);
    assert.equal(full.chords.at(-1)?.symbol, 'G', 'ends on the tonic of G major');
    assert.deepEqual(chords.chords, full.chords);
    assert.deepEqual(none.chords, []);
    assert.match(full.files.kern, /^\*\*kern\t\*\*mxhm$/m);
    assert.equal(chords.files.kern, full.files.kern);
    assert.doesNotMatch(none.files.kern, /mxhm/);
    assert.deepEqual(parseKern(full.files.kern, 'tune.krn').events, parseKern(none.files.kern, 'tune.krn').events);
    const tracks = (result: typeof full): string[] => new Midi(result.files.midi).tracks.map((track) => `${track.name}/${track.channel}/${track.instrument.number}`);
    assert.deepEqual(tracks(full).slice(1), ['Accompaniment/1/24'], 'a guitar under the flute');
    assert.equal(tracks(chords).length, 1);
    assert.equal(tracks(none).length, 1);
    assert.ok(full.files.audio.length > none.files.audio.length, 'the accompaniment is heard');
    assert.deepEqual(chords.files.audio, none.files.audio);
    await assert.rejects(composer.compose({ ...options, accompaniment: 'loud' as 'full' }), (error: unknown) => error instanceof ComposeOptionError && error.option === 'accompaniment');
  });

  it('transposes the seed to the asked key and writes that key signature', async () => {
    const result = await composer.compose({ seed: '4c 4d 4e 4c', key: 'G', mode: 'major', bars: 8, randomSeed: 3 });
    assert.equal(result.key.name, 'G major');
    assert.deepEqual(result.notes.slice(0, 4).map((n) => n.pitch), [67, 69, 71, 67]);
    assert.match(result.files.kern, /\*k\[f#\]/);
    assert.match(result.files.kern, /\*G:/);
    const minor = await composer.compose({ key: 'D', mode: 'minor', bars: 8, randomSeed: 3 });
    assert.equal(minor.key.name, 'D minor');
    assert.equal(minor.notes.filter((note) => note.pitch !== null).at(-1)!.pitch! % 12, 2, 'ends on D');
    assert.match(minor.files.kern, /\*k\[b-\]/);
  });

  it('writes a MIDI file that reads back as the same notes, tempo and meter', async () => {
    const result = await composer.compose({ bars: 8, tempo: 120, randomSeed: 11, meter: { numerator: 6, denominator: 8 } });
    const midi = new Midi(result.files.midi);
    assert.equal(Math.round(midi.header.tempos[0]!.bpm), 120);
    assert.deepEqual(midi.header.timeSignatures[0]!.timeSignature, [6, 8]);
    const sounding = result.notes.filter((n) => n.pitch !== null);
    const track = midi.tracks.find((t) => t.notes.length > 0)!;
    assert.deepEqual(
      track.notes.map((n) => ({ pitch: n.midi, onset: n.ticks / midi.header.ppq, duration: n.durationTicks / midi.header.ppq })),
      sounding.map((n) => ({ pitch: n.pitch, onset: n.onset, duration: n.duration })),
    );
  });

  it('renders a chat-width score picture and an MP3 as long as the tune', async () => {
    const result = await composer.compose({ bars: 16, tempo: 100, randomSeed: 5 });
    const png = decodePng(result.files.png);
    assert.ok(png.width >= 1000 && png.width <= 1400, `PNG width ${png.width}`);
    assert.ok(png.height > 200);
    const decoder = new MPEGDecoder();
    await decoder.ready;
    try {
      const audio = decoder.decode(result.files.audio);
      const seconds = audio.samplesDecoded / audio.sampleRate;
      const tuneSeconds = (16 * 4 * 60) / 100;
      assert.ok(seconds >= tuneSeconds && seconds < tuneSeconds + 4, `audio lasts ${seconds.toFixed(2)} s, tune ${tuneSeconds} s`);
    } finally {
      decoder.free();
    }
    assert.equal(result.files.audioFormat, 'mp3');
    assert.ok(result.files.audio.length < 400_000);
    for (const stage of ['generate', 'midi', 'kern', 'png', 'audio', 'total']) assert.ok((result.timings[stage] ?? -1) >= 0, stage);
  });

  it('makes the notes before an early bar line of the seed a pickup, and the last bar gives it back', async () => {
    // Two quarters before the first bar line of a 3/4 seed: a pickup.
    const result = await composer.compose({ seed: '8.g 16a 8g 8e | 4c 4e 4g', bars: 8, meter: { numerator: 3, denominator: 4 }, randomSeed: 7 });
    assert.equal(result.pickup, 2);
    const last = result.notes[result.notes.length - 1]!;
    assert.equal(last.onset + last.duration, 8 * 3, 'the pickup, seven full bars of 3/4 and a last bar of one beat');
    const melody = parseKern(result.files.kern, 'tune.krn');
    assert.equal(melody.barlines[0], 2 * TICKS_PER_QUARTER, 'the first bar line right after the pickup');
    assert.equal(melody.barlines.length, 9);
    // A bar line after a whole bar (or none) makes no pickup.
    assert.equal((await composer.compose({ seed: '4c 4d 4e | 4f', bars: 8, meter: { numerator: 3, denominator: 4 }, randomSeed: 7 })).pickup, 0);
  });

  it('refuses a seed that reaches into the last bar, which is left for the ending', async () => {
    for (const [seed, bars, lasts] of [
      ['1c 1d 1e 1f 1g', 4, '5 bars'],
      ['1c 1d 1e 1f 1g', 5, '5 bars'],
      ['4c 4d 4e 4f | 4g 4a 4b 4cc | 4dd 4cc 4b 4a | 4g 4f 4e 4d', 4, '4 bars'],
      ['1c 1d 1e 2f', 4, '3.5 bars'],
    ] as const) {
      assert.throws(() => composer.composeMelody({ seed, bars }), (error: unknown) => {
        assert.ok(error instanceof SeedError, seed);
        assert.match(error.message, new RegExp(`the seed lasts ${lasts} of 4/4 and the tune has ${bars}: the last bar is left for the ending on the tonic, so a seed may fill at most ${bars - 1}`));
        assert.match(error.message, /--bars \d+/);
        return true;
      });
    }
    // A seed that ends where the last bar starts leaves it to the model, which ends on the tonic.
    const fits = composer.composeMelody({ seed: '1c 1d 1e 1f', bars: 5, randomSeed: 1 });
    const last = fits.melody.events.filter((event) => event.kind === 'note').at(-1)!;
    assert.ok(last.kind === 'note' && (last.pitch - fits.melody.key.tonic) % 12 === 0, 'ends on the tonic');
    assert.ok(last.onset >= 4 * 4 * TICKS_PER_QUARTER, 'the model wrote the last bar');
  });

  it('keys a C-major seed in C major (not E minor), with and without a pickup', () => {
    for (const seed of ['8g | 4c 4e 4g 4e', '4c 4e 4g 4e']) {
      const { melody } = composer.composeMelody({ seed, bars: 8, randomSeed: 1 });
      assert.deepEqual(melody.key, { tonic: 0, mode: 'major', fifths: 0 }, seed);
    }
  });

  it('keeps the seed where it is when a mode is asked without a key: the relative key', () => {
    const { melody } = composer.composeMelody({ seed: '4c 4d 4e 4f 4g', mode: 'minor', randomSeed: 3, bars: 4 });
    assert.deepEqual(melody.key, { tonic: 9, mode: 'minor', fifths: 0 });
    assert.deepEqual(
      melody.events.slice(0, 5).map((e) => (e.kind === 'note' ? e.pitch : null)),
      [60, 62, 64, 65, 67],
    );
  });

  it('never lengthens the last seed note (the fuzzed case: a seed that ends on a barline)', () => {
    const seed = '2e 2d 4e- 4e 4ee 8e-';
    const { melody } = composer.composeMelody({ seed, bars: 7, meter: { numerator: 3, denominator: 8 }, key: 'Db', temperature: 2, randomSeed: 600610572 });
    const seedEvents = parseSeed(seed).events;
    assert.deepEqual(
      melody.events.slice(0, seedEvents.length).map((e) => e.duration),
      seedEvents.map((e) => e.duration),
    );
  });

  it('continues a seed whose notes must be tied from pieces at once (the search for pieces remembers what fails)', { timeout: 30_000 }, () => {
    // Found by the property test below: with the style model's vocabulary this took minutes, the search for tied
    // pieces trying every way of adding up continuations that cannot fill a remainder.
    const result = composer.composeMelody({ seed: '1f 4.d#', bars: 10, meter: { numerator: 9, denominator: 8 }, mode: 'major', temperature: 1.5, randomSeed: 891521 });
    assert.equal(result.melody.events[0]!.duration, 4 * TICKS_PER_QUARTER);
  });

  it('never sounds one bar three times in a row, held notes struck again included', () => {
    // chinese-han, 2/4, random seed 13 held one A over bars 7-15 (a 2-bar note struck again and again), which the
    // grammar's token-level loop guard let through; such a tune is drawn again.
    for (let randomSeed = 1; randomSeed <= 20; randomSeed++) {
      const { melody } = composer.composeMelody({ style: 'chinese-han', meter: { numerator: 2, denominator: 4 }, randomSeed });
      assert.ok(tuneStats(melody).longestIdenticalRun <= 2, `random seed ${randomSeed}`);
    }
  });

  it('seldom plays one two-bar unit three times in a row (ABABAB), as 13% of default tunes did', () => {
    // Such a tune is drawn again, up to three times; German 4/4 random seed 7 loops in all four draws (of 400 default
    // tunes, 1 still loops: 0.25%, against 0.44% of the collection's songs).
    const looping: number[] = [];
    for (let randomSeed = 1; randomSeed <= 20; randomSeed++) {
      const { melody } = composer.composeMelody({ meter: { numerator: 4, denominator: 4 }, randomSeed });
      if (tuneStats(melody).longestPairRun >= 3) looping.push(randomSeed);
    }
    assert.ok(looping.length <= 1, `looping: random seeds ${looping.join(', ')}`);
  });

  it('keeps the promise on generated requests: the seed comes back exactly (moved only by --key), bars filled, tonic ending', () => {
    // Random seeds and options; a seed the model cannot write (a rare pitch or duration) is refused with a
    // SeedError, anything else must compose and keep the seed note for note.
    let random = 20261201;
    const next = (n: number): number => {
      random = (Math.imul(random, 1103515245) + 12345) >>> 0;
      return (random >>> 8) % n;
    };
    const durations = ['4', '8', '2', '8.', '16', '4.', '1'];
    const letters = ['c', 'd', 'e', 'f', 'g', 'a', 'b', 'cc', 'dd', 'ee', 'A', 'B'];
    const accidentals = ['', '', '', '#', '-'];
    const meters = composer.meters;
    let composed = 0;
    for (let request = 0; request < 300; request++) {
      const notes = 1 + next(8);
      const tokens = Array.from({ length: notes }, () => `${durations[next(durations.length)]}${next(8) === 0 ? 'r' : `${letters[next(letters.length)]}${accidentals[next(accidentals.length)]}`}`);
      const seed = tokens.join(' ');
      const [numerator, denominator] = meters[next(meters.length)]!.split('/').map(Number) as [number, number];
      const options = {
        seed,
        bars: 4 + next(8),
        meter: { numerator, denominator },
        ...(next(3) === 0 ? { key: ['G', 'Bb', 'D', 'E-', 'F#', 'A'][next(6)]! } : {}),
        ...(next(3) === 0 ? { mode: next(2) === 0 ? ('major' as const) : ('minor' as const) } : {}),
        temperature: [0.5, 0.9, 1.5, 2][next(4)]!,
        randomSeed: next(1_000_000),
      };
      let result;
      try {
        result = composer.composeMelody(options);
      } catch (error) {
        assert.ok(error instanceof SeedError, `${JSON.stringify(options)}: ${String(error)}`);
        continue;
      }
      composed++;
      const label = JSON.stringify(options);
      const seedEvents = parseSeed(seed).events;
      const opening = result.melody.events.slice(0, seedEvents.length);
      assert.deepEqual(opening.map((e) => [e.kind, e.onset, e.duration]), seedEvents.map((e) => [e.kind, e.onset, e.duration]), label);
      const shifts = new Set(opening.flatMap((e, i) => (e.kind === 'note' && seedEvents[i]!.kind === 'note' ? [e.pitch - (seedEvents[i] as { pitch: number }).pitch] : [])));
      assert.ok(shifts.size <= 1, `${label}: the seed moves as a whole`);
      if (options.key === undefined) assert.ok(shifts.size === 0 || shifts.has(0), `${label}: no --key, no move`);
      const last = result.melody.events.at(-1)!;
      const bar = (numerator * 4 * TICKS_PER_QUARTER) / denominator;
      // Every bar filled; a pickup's length is given back by the last bar.
      assert.equal(last.onset + last.duration, options.bars * bar, `${label}: every bar filled`);
      const final = result.melody.events.filter((event) => event.kind === 'note').at(-1)!;
      assert.ok(final.kind === 'note' && (final.pitch - result.melody.key.tonic) % 12 === 0, `${label}: ends on the tonic`);
    }
    assert.ok(composed >= 150, `only ${composed} of 300 random requests composed`);
  });

  it('offers only the meters the model knows, and blames --meter for another', () => {
    assert.ok(composer.meters.includes('3/4') && composer.meters.includes('6/8'));
    assert.ok(!composer.meters.includes('12/8'), 'the shipped model has no 12/8');
    assert.throws(
      () => composer.composeMelody({ meter: { numerator: 12, denominator: 8 } }),
      (error: unknown) =>
        error instanceof ComposeOptionError &&
        error.option === 'meter' &&
        /meter "12\/8" is not one the model "default" was trained on; use one of 2\/4, 3\/4/.test(error.message) &&
        !error.message.includes('12/8;') &&
        !/seed/.test(error.message),
    );
  });

  it('refuses a seed of rests that fills the tune with a clear message; with room left, the model writes notes', async () => {
    await assert.rejects(composer.compose({ seed: '1r 1r 1r 1r', bars: 4, randomSeed: 1 }), (error: unknown) => {
      assert.ok(error instanceof SeedError);
      assert.match(error.message, /the last bar is left for the ending/);
      return true;
    });
    const result = await composer.compose({ seed: '1r 1r 1r', bars: 4, randomSeed: 1 });
    assert.ok(result.notes.some((n) => n.pitch !== null));
    assert.ok(result.files.audio.length > 0);
  });

  it('drops control characters from a title instead of failing in the engraver', async () => {
    const result = await composer.compose({ bars: 4, randomSeed: 2, title: 'Reel\u0001 for\u0007 the\u001b two' });
    assert.match(result.files.kern, /^!!!OTL: Reel for the two$/m);
    assert.ok(result.files.png.length > 0);
  });

  it('refuses bad options with the option named', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ bars: 0 }, /bars must be a whole number from 4 to 64/],
      [{ temperature: 9 }, /temperature must be a number from 0\.1 to 2/],
      [{ key: 'H' }, /H/],
      [{ instrument: 'kazoo-zither' }, /kazoo-zither/],
      [{ meter: { numerator: 7, denominator: 16 } }, /meter "7\/16" is not supported/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(composer.compose(options), (error: unknown) => {
        assert.ok(error instanceof ComposeOptionError, `${JSON.stringify(options)} gives a ComposeOptionError`);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});
