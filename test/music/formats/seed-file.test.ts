// Seeds from files: each reader gives back what folkbot's writers wrote, polyphony and MIDI timing are reduced
// and said, bad files get one clear message naming the file, and truncated or bit-flipped files never crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import toneMidi from '@tonejs/midi';
import { writeMidi, type MidiEvent } from 'midi-file';
import { SeedFileError } from '../../../src/music/errors.js';
import { readAbc } from '../../../src/music/formats/abc-read.js';
import { readMidi } from '../../../src/music/formats/midi-read.js';
import { readMusicXml } from '../../../src/music/formats/musicxml-read.js';
import { formatRoundTrips } from '../../../src/music/formats/round-trip.js';
import { readKern } from '../../../src/music/formats/kern-read.js';
import { readAbcSeed, readSeedFile, SEED_FILE_MAX_BYTES, SEED_READ_EVENTS, takeSeed } from '../../../src/music/formats/seed-file.js';
import { writeAbc } from '../../../src/music/formats/abc-write.js';
import { writeMusicXml } from '../../../src/music/formats/musicxml-write.js';
import { parseKern } from '../../../src/music/kern-parse.js';
import { writeKern } from '../../../src/music/kern-write.js';
import { melodyToMidi } from '../../../src/music/midi-write.js';
import { parseSeed } from '../../../src/music/seed.js';
import type { Melody } from '../../../src/music/types.js';
import { fixture } from '../paths.js';
import { melodyNotes } from './melodies.js';
import { seedFileError } from './seed-errors.js';

const { Midi } = toneMidi;
const FIXTURES = ['twinkle.krn', 'ode-to-joy.krn', 'pickup-mixed.krn'];

describe('seed file readers', () => {
  it('read back every fixture written as ABC, MusicXML, kern and MIDI with the same notes', () => {
    for (const name of FIXTURES) {
      const melody = parseKern(fixture(name).text, name);
      const graces = melody.events.some((e) => e.kind === 'note' && e.grace === true);
      for (const trip of formatRoundTrips(melody)) {
        // MIDI has no grace notes: they are played as short notes and read back as such (see the next test).
        if (trip.format === 'midi' && graces) continue;
        assert.equal(trip.difference, null, `${name} as ${trip.format}`);
      }
    }
  });

  it('read a grace note written to MIDI as the short note it is played as', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const notes = melodyNotes(readMidi(melodyToMidi(melody, { tempo: 100, program: 73 }), 'mixed.mid').melody);
    assert.deepEqual(notes.slice(1, 4), [[72, 480, 960], [72, 1440, 120], [71, 1560, 840]]);
  });

  it('keep title, meter, key and pickup from ABC and MusicXML', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const abc = readAbc(writeAbc({ ...melody, title: 'Mixed' }, { tempo: 100 }), 'mixed.abc').melody;
    const xml = readMusicXml(writeMusicXml({ ...melody, title: 'Mixed' }, { tempo: 100, program: 73 }), 'mixed.musicxml').melody;
    for (const read of [abc, xml]) {
      assert.equal(read.title, 'Mixed');
      assert.deepEqual(read.meters[0], { tick: 0, meter: { numerator: 3, denominator: 4 } });
      assert.equal(read.barlines[0], 480, 'the pickup: an eighth');
      assert.deepEqual(read.key, melody.key);
    }
  });

  it('take the highest voice of a two-voice MusicXML part and the top of its chords, and say so', () => {
    const note = (step: string, octave: number, voice: number, extra = ''): string =>
      `<note>${extra}<pitch><step>${step}</step><octave>${octave}</octave></pitch><duration>2</duration><voice>${voice}</voice><type>half</type></note>`;
    const xml =
      '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name>Piano</part-name></score-part></part-list>' +
      '<part id="P1"><measure number="1"><attributes><divisions>1</divisions><key><fifths>0</fifths></key><time><beats>4</beats><beat-type>4</beat-type></time></attributes>' +
      note('C', 4, 2) + note('E', 4, 2, '') + '<backup><duration>4</duration></backup>' + note('E', 5, 1) + note('G', 5, 1, '<chord/>') + note('D', 5, 1) +
      '</measure></part></score-partwise>';
    const read = readMusicXml(xml, 'duet.musicxml');
    assert.deepEqual(melodyNotes(read.melody), [[79, 0, 1920], [74, 1920, 1920]]);
    assert.equal(read.part, "part 1, 'Piano'");
    assert.ok(read.remarks.some((r) => /2 voices: the highest/.test(r)));
    assert.ok(read.remarks.some((r) => /chords: the highest note/.test(r)));
  });

  it('take the first pitched MIDI track, skip drums, quantise played timing and report the rounding', () => {
    const midi = new Midi();
    midi.header.setTempo(120);
    const drums = midi.addTrack();
    drums.channel = 9;
    drums.addNote({ midi: 36, ticks: 0, durationTicks: 100 });
    const violin = midi.addTrack();
    violin.name = 'Violin';
    // 480 ticks a quarter, played a little early and late: quarters and two eighths, then a chord.
    for (const [pitch, ticks, length] of [[67, 3, 470], [69, 478, 230], [71, 725, 250], [72, 960, 480], [64, 962, 470]] as const) {
      violin.addNote({ midi: pitch, ticks, durationTicks: length });
    }
    const read = readMidi(midi.toArray(), 'played.mid');
    assert.equal(read.part, "track 2, 'Violin'");
    assert.deepEqual(melodyNotes(read.melody), [[67, 0, 960], [69, 960, 480], [71, 1440, 480], [72, 1920, 960]]);
    assert.ok(read.remarks.some((r) => /were rounded to sixteenths and eighth-note triplets/.test(r)), read.remarks.join('; '));
    assert.ok(read.remarks.some((r) => /several notes at once/.test(r)));
    assert.ok(read.remarks.some((r) => /no time signature: 4\/4/.test(r)));
  });

  it('take the first bars up to half the tune as a seed the seed parser reads back, and say what was taken', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const read = readSeedFile(melodyToMidi(melody, { tempo: 100, program: 73 }), 'mixed.mid');
    const taken = takeSeed(readSeedFile(new TextEncoder().encode(writeKern(melody)), 'mixed.krn'), 'mixed.krn', { maxBars: 2 });
    assert.equal(taken.seed, '8g | 4cc 4b 4a | 2.g');
    assert.equal(taken.bars, 2);
    assert.match(taken.description, /^the first 2 bars after the pickup of mixed\.krn \(grace notes were left out/);
    assert.deepEqual(taken.meter, { numerator: 3, denominator: 4 });
    assert.equal(parseSeed(taken.seed).firstBarline, 480);
    assert.match(takeSeed(read, 'mixed.mid', { maxBars: 8 }).description, /of track 1, 'pickup-mixed' of mixed\.mid/);
  });

  it('read only the opening of a long file where the format allows, and take the seed the whole file gives', () => {
    const tune = parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
    const length = tune.events.reduce((end, e) => Math.max(end, e.onset + e.duration), 0);
    const long: Melody = {
      ...tune,
      events: Array.from({ length: 20 }, (_, k) => tune.events.map((e) => ({ ...e, onset: e.onset + k * length }))).flat(),
      barlines: Array.from({ length: 20 }, (_, k) => tune.barlines.map((b) => b + k * length)).flat(),
    };
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    const xml = writeMusicXml(long, { tempo: 100, program: 73 });
    // A second part after the first: its notes are never read, but the remark still counts it.
    const duet = xml
      .replace('</part-list>', '<score-part id="P2"><part-name>Cello</part-name></score-part></part-list>')
      .replace('</score-partwise>', `${xml.slice(xml.indexOf('<part id="P1">'), xml.indexOf('</score-partwise>')).replace('<part id="P1">', '<part id="P2">')}</score-partwise>`);
    const cases: [string, Uint8Array, () => ReturnType<typeof readSeedFile>][] = [
      ['long.abc', text(writeAbc(long, { tempo: 100 })), () => readAbc(writeAbc(long, { tempo: 100 }), 'long.abc')],
      ['long.musicxml', text(xml), () => readMusicXml(xml, 'long.musicxml')],
      ['duet.musicxml', text(duet), () => readMusicXml(duet, 'duet.musicxml')],
      ['long.krn', text(writeKern(long)), () => readKern(writeKern(long), 'long.krn')],
      ['long.mid', melodyToMidi(long, { tempo: 100, program: 73 }), () => readMidi(melodyToMidi(long, { tempo: 100, program: 73 }), 'long.mid')],
    ];
    for (const [name, bytes, readWhole] of cases) {
      const opening = readSeedFile(bytes, name);
      const whole = readWhole();
      assert.equal(whole.melody.events.length, long.events.length, name);
      assert.equal(opening.melody.events.length, SEED_READ_EVENTS, name);
      assert.deepEqual(opening.melody.events, whole.melody.events.slice(0, opening.melody.events.length), name);
      assert.deepEqual(opening.remarks, whole.remarks, name);
      for (const maxBars of [1, 4, 8, 16]) assert.deepEqual(takeSeed(opening, name, { maxBars }), takeSeed(whole, name, { maxBars }), `${name}, ${maxBars} bars`);
    }
    assert.ok(readSeedFile(text(duet), 'duet.musicxml').remarks.includes("the score has 2 parts: part 1, 'Flute' was taken"));
  });

  it('pair and quantise only the opening of a long MIDI track: its grid and counts are the opening\'s, and say so', () => {
    // 480 ticks a quarter: eighths played up to 7 ticks early or late and 4 short (up to 20 at 960 a quarter:
    // within a sixteenth grid's tolerance, not a 32nd's), every fourth with a lower note struck with it; the first note is held under the next
    // three (its note-off comes late); a run of 32nd notes, also played, comes far after the opening.
    type Played = { at: number; on: boolean; key: number }[];
    const jitter = (i: number): number => [0, 6, -6, 4, -4, 7][i % 6] ?? 0;
    const played = (eighths: number, run: boolean): Played => {
      const list: Played = [];
      for (let i = 0; i < eighths; i++) {
        const at = Math.max(0, i * 240 + jitter(i));
        const key = [60, 62, 64, 65, 67, 69, 71, 72][i % 8] ?? 60;
        list.push({ at, on: true, key }, { at: i === 0 ? 4 * 240 : at + 236, on: false, key });
        if (i % 4 === 2) list.push({ at, on: true, key: key - 7 }, { at: at + 236, on: false, key: key - 7 });
      }
      for (let i = 0; run && i < 32; i++) list.push({ at: eighths * 240 + i * 60 + jitter(i), on: true, key: 72 }, { at: eighths * 240 + i * 60 + 55, on: false, key: 72 });
      return list.sort((a, b) => a.at - b.at || Number(a.on) - Number(b.on));
    };
    const track = (name: string, channel: number, list: Played): MidiEvent[] => {
      let last = 0;
      const out: MidiEvent[] = [{ deltaTime: 0, meta: true, type: 'trackName', text: name }];
      for (const { at, on, key } of list) {
        out.push({ deltaTime: at - last, channel, type: on ? 'noteOn' : 'noteOff', noteNumber: key, velocity: on ? 80 : 0 });
        last = at;
      }
      return [...out, { deltaTime: 0, meta: true, type: 'endOfTrack' }];
    };
    const file = (list: Played): Uint8Array =>
      new Uint8Array(
        writeMidi({
          header: { format: 1, numTracks: 4, ticksPerBeat: 480 },
          tracks: [
            [{ deltaTime: 0, meta: true, type: 'timeSignature', numerator: 4, denominator: 4, metronome: 24, thirtyseconds: 8 }, { deltaTime: 0, meta: true, type: 'endOfTrack' }],
            track('Drums', 9, [{ at: 0, on: true, key: 36 }, { at: 100, on: false, key: 36 }]),
            track('Violin', 0, list),
            track('Cello', 1, [{ at: 0, on: true, key: 48 }, { at: 960, on: false, key: 48 }]),
          ],
        }),
      );
    const bytes = file(played(150, true));
    const opening = readSeedFile(bytes, 'played.mid');
    const whole = readMidi(bytes, 'played.mid');
    assert.equal(opening.part, "track 2, 'Violin'");
    assert.ok(opening.remarks.includes("the file has 2 tracks with notes: track 2, 'Violin' was taken"), opening.remarks.join('; '));
    // The run makes the whole track's grid the nearest tick, which keeps the opening's played timing; the
    // opening alone rounds to sixteenths, and the remark says which notes it counts.
    assert.ok(!whole.remarks.some((r) => /rounded/.test(r)), whole.remarks.join('; '));
    const read = opening.remarks.join('; ');
    assert.match(read, /^.*\d+ note starts and ends in the track's first (\d+) notes were rounded to sixteenths and eighth-note triplets/);
    const notesRead = Number(/in the track's first (\d+) notes/.exec(read)?.[1]);
    assert.ok(notesRead > SEED_READ_EVENTS && notesRead < 150, `${notesRead} notes read`);
    assert.match(read, new RegExp(`the highest of each of \\d+ chords in the track's first ${notesRead} notes was taken`));
    assert.match(read, new RegExp(`1 note held into the next one in the track's first ${notesRead} notes was shortened`));
    assert.equal(opening.melody.events.length, SEED_READ_EVENTS);
    assert.deepEqual(melodyNotes(opening.melody).slice(0, 4), [[60, 0, 480], [62, 480, 480], [64, 960, 480], [65, 1440, 480]]);
    assert.equal(takeSeed(opening, 'played.mid', { maxBars: 2 }).seed, '8c 8d 8e 8f 8g 8a 8b 8cc | 8c 8d 8e 8f 8g 8a 8b 8cc');
    assert.throws(() => takeSeed(whole, 'played.mid', { maxBars: 2 }), /lasts \d+ ticks/);
    // The tune's first 70 eighths alone (no run) are read whole, on sixteenths, and give the same seeds.
    const short = readSeedFile(file(played(70, false)), 'played.mid');
    assert.ok(!short.remarks.some((r) => /first \d+ notes/.test(r)), short.remarks.join('; '));
    for (const maxBars of [1, 2, 4, 8]) assert.equal(takeSeed(opening, 'played.mid', { maxBars }).seed, takeSeed(short, 'played.mid', { maxBars }).seed, `${maxBars} bars`);
  });

  it('read an ABC line with a header made from the meter and key asked', () => {
    const read = readAbcSeed('G2AB c2BA | G4', { numerator: 4, denominator: 4 }, { tonic: 'G', mode: 'major' });
    assert.deepEqual(melodyNotes(read.melody).map(([p]) => p), [67, 69, 71, 72, 71, 69, 67]);
    assert.equal(takeSeed(read, 'the ABC seed', { maxBars: 8 }).seed, '4g 8a 8b 4cc 8b 8a | 2g');
    // F is sharp in G major.
    assert.equal(melodyNotes(readAbcSeed('F2', undefined, { tonic: 'G', mode: 'major' }).melody)[0]?.[0], 66);
  });

  it('refuse wrong, empty, huge, note-less and drum-only files with one message naming the file', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    const drumsOnly = new Midi();
    const drums = drumsOnly.addTrack();
    drums.channel = 9;
    drums.addNote({ midi: 38, ticks: 0, durationTicks: 120 });
    const cases: [Uint8Array, string, RegExp][] = [
      [text('hello'), 'tune.docx', /tune\.docx is not a file type folkbot reads as a seed: send \.abc, \.krn/],
      [new Uint8Array(0), 'tune.abc', /tune\.abc is empty/],
      [new Uint8Array(SEED_FILE_MAX_BYTES + 1), 'big.mid', /big\.mid is 257 KB; a seed file may have at most 256 KB/],
      [text('X:1\nT:x\nK:C\n'), 'silent.abc', /silent\.abc has no notes/],
      [text('just words'), 'words.abc', /words\.abc is not ABC notation/],
      [text('X:1\nK:C\nCDEF|'), 'abc.mid', /abc\.mid is not a MIDI file/],
      [drumsOnly.toArray(), 'drums.mid', /drums\.mid has only drums/],
      [text('<html><body/></html>'), 'page.xml', /page\.xml is XML but not MusicXML/],
      [text('<score-partwise><part'), 'cut.musicxml', /cut\.musicxml is not well-formed XML/],
      [text('PK\u0003\u0004...'), 'zipped.musicxml', /zipped\.musicxml is compressed MusicXML \(\.mxl\)/],
      [text('**kern\t**kern\n4c\n*-\t*-\n'), 'duet.krn', /duet\.krn could not be read as \*\*kern: .*spines out of step/],
    ];
    for (const [bytes, name, message] of cases) {
      const error = seedFileError(() => readSeedFile(bytes, name));
      assert.equal(error.file, name);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /Error:|at .*\.ts/);
    }
  });

  it('never crash or hang on truncated and bit-flipped files (a sample; scripts/fuzz-seed-readers.ts runs 1,000 each)', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const originals: [string, Uint8Array][] = [
      ['f.abc', new TextEncoder().encode(writeAbc(melody, { tempo: 100 }))],
      ['f.musicxml', new TextEncoder().encode(writeMusicXml(melody, { tempo: 100, program: 73 }))],
      ['f.krn', new TextEncoder().encode(writeKern(melody))],
      ['two.krn', new TextEncoder().encode(fixture('two-voices.krn').text)],
      ['f.mid', melodyToMidi(melody, { tempo: 100, program: 73 })],
    ];
    let state = 12345;
    const random = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (const [name, bytes] of originals) {
      for (let i = 0; i < 60; i++) {
        const damaged = i % 2 === 0 ? bytes.slice(0, random(bytes.length)) : bytes.slice();
        if (i % 2 === 1) {
          for (let k = 0; k < 1 + random(8); k++) {
            const at = random(damaged.length);
            damaged[at] = (damaged[at] ?? 0) ^ (1 << random(8));
          }
        }
        const started = performance.now();
        try {
          readSeedFile(damaged, name);
        } catch (error) {
          assert.ok(error instanceof SeedFileError, `${name} #${i}: ${String(error)}`);
        }
        assert.ok(performance.now() - started < 5000, `${name} #${i} took too long`);
      }
    }
  });
});
