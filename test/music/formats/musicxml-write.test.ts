// The MusicXML writer: valid against the MusicXML 4.0 schema, with the header, key, time, tempo, instrument,
// pickup, ties, tuplets, beams and final barline a score needs, and read by verovio (another program's MusicXML
// import) as the same notes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import toneMidi from '@tonejs/midi';
import { writeMusicXml } from '../../../src/music/formats/musicxml-write.js';
import { parseKern } from '../../../src/music/kern-parse.js';
import { TICKS_PER_QUARTER, type Melody } from '../../../src/music/types.js';
import { fixture } from '../paths.js';
import { verovioToolkit, type Toolkit } from '../verovio-toolkit.js';
import { generated, melodyNotes, notes } from './melodies.js';
import { musicXmlSchemaErrors } from './musicxml-schema.js';

const { Midi } = toneMidi;
const FIXTURES = ['twinkle.krn', 'ode-to-joy.krn', 'pickup-mixed.krn'];

describe('writeMusicXml', () => {
  let toolkit: Toolkit;
  before(async () => {
    toolkit = await verovioToolkit();
  });
  after(() => toolkit.destroy());

  /**
   * The notes verovio plays from the MusicXML, in the melody's ticks: [pitch, onset, duration]. Verovio lets
   * grace notes take time from the note after them and ends each note one MIDI tick early: grace notes are folded
   * back into their main note and lengths rounded to verovio's grid.
   */
  function verovioNotes(xml: string, melody: Melody): [number, number, number][] {
    assert.ok(toolkit.loadData(xml), 'verovio loads the MusicXML');
    const midi = new Midi(Buffer.from(toolkit.renderToMIDI(), 'base64'));
    const scale = TICKS_PER_QUARTER / midi.header.ppq;
    const played = midi.tracks.flatMap((t) => t.notes).sort((a, b) => a.ticks - b.ticks);
    const graces = melody.events.filter((e) => e.kind === 'note').map((e) => e.kind === 'note' && e.grace === true);
    assert.equal(played.length, graces.length, 'verovio plays every note, grace notes included');
    const result: [number, number, number][] = [];
    let graceStart: number | null = null;
    played.forEach((note, index) => {
      if (graces[index]) {
        graceStart ??= note.ticks;
        return;
      }
      const start = graceStart ?? note.ticks;
      result.push([note.midi, start * scale, Math.ceil((note.ticks + note.durationTicks - start) / 2) * 2 * scale]);
      graceStart = null;
    });
    return result;
  }

  it('writes valid MusicXML 4.0 for every fixture, which verovio reads as the same notes', async () => {
    for (const name of FIXTURES) {
      const melody = parseKern(fixture(name).text, name);
      const xml = writeMusicXml(melody, { tempo: 100, program: 73 });
      assert.deepEqual(await musicXmlSchemaErrors(xml), [], name);
      assert.deepEqual(verovioNotes(xml, melody), melodyNotes(melody), name);
    }
  });

  it('writes the title, instrument, key with mode, time, tempo, a pickup as an implicit measure and a final barline', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const xml = writeMusicXml({ ...melody, title: 'Pickup & "mixed"' }, { tempo: 92, program: 40 });
    assert.match(xml, /<score-partwise version="4\.0">/);
    assert.match(xml, /<work-title>Pickup &amp; &quot;mixed&quot;<\/work-title>/);
    assert.match(xml, /<part-name>Violin<\/part-name>/);
    assert.match(xml, /<midi-program>41<\/midi-program>/);
    assert.match(xml, /<key><fifths>0<\/fifths><mode>major<\/mode><\/key><time><beats>3<\/beats><beat-type>4<\/beat-type><\/time>/);
    assert.match(xml, /<per-minute>92<\/per-minute><\/metronome><\/direction-type><sound tempo="92"\/>/);
    assert.match(xml, /<measure number="0" implicit="yes">/);
    assert.match(xml, /<measure number="1">/);
    assert.match(xml, /<attributes><time><beats>2<\/beats><beat-type>4<\/beat-type><\/time><\/attributes>/);
    assert.match(xml, /<time print-object="no"><senza-misura\/><\/time>/);
    assert.match(xml, /<bar-style>light-heavy<\/bar-style><\/barline>\n {4}<\/measure>\n {2}<\/part>/);
    // The tie over two barlines, the triplet with its bracket and beam, the grace note and the fermata.
    assert.match(xml, /<tie type="start"\/>.*<tied type="start"\/>/);
    assert.match(xml, /<tie type="stop"\/>.*<tied type="stop"\/>/);
    assert.match(xml, /<time-modification><actual-notes>3<\/actual-notes><normal-notes>2<\/normal-notes><\/time-modification><beam number="1">begin<\/beam><notations><tuplet type="start" bracket="yes"\/>/);
    assert.match(xml, /<beam number="1">end<\/beam><notations><tuplet type="stop"\/><\/notations>/);
    assert.match(xml, /<note><grace\/><pitch><step>C<\/step><octave>5<\/octave><\/pitch><voice>1<\/voice><type>eighth<\/type><\/note>/);
    assert.match(xml, /<fermata type="upright"\/>/);
  });

  it('shows accidentals once per measure against the key, beams sixteenths by beat with hooks, and dots', async () => {
    const s = TICKS_PER_QUARTER / 4;
    // D minor, 2/4: a dotted eighth and a sixteenth, B natural twice, then a C sharp quarter.
    const melody = generated(notes([[62, 3 * s], [64, s], [71, s], [71, s], [69, 2 * s], [73, 4 * s], [70, 4 * s]]), {
      meters: [{ tick: 0, meter: { numerator: 2, denominator: 4 } }],
    });
    const xml = writeMusicXml(melody, { tempo: 100, program: 73 });
    assert.deepEqual(await musicXmlSchemaErrors(xml), []);
    assert.match(xml, /<type>eighth<\/type><dot\/><beam number="1">begin<\/beam><\/note>/);
    assert.match(xml, /<type>16th<\/type><beam number="1">end<\/beam><beam number="2">backward hook<\/beam>/);
    assert.equal(xml.match(/<accidental>natural<\/accidental>/g)?.length, 1, 'one natural for the two Bs');
    assert.equal(xml.match(/<accidental>sharp<\/accidental>/g)?.length, 1);
    assert.doesNotMatch(xml, /<accidental>flat<\/accidental>/, 'B flat is in the key signature');
    assert.match(xml, /<key><fifths>-1<\/fifths><mode>minor<\/mode><\/key>/);
    assert.deepEqual(verovioNotes(xml, melody), melodyNotes(melody));
  });

  it('escapes markup in the title and drops characters XML cannot hold', async () => {
    const melody = parseKern(fixture('twinkle.krn').text, 'twinkle.krn');
    const xml = writeMusicXml({ ...melody, title: 'a < b & "c"\u0001\nd' }, { tempo: 100, program: 73 });
    assert.match(xml, /<work-title>a &lt; b &amp; &quot;c&quot; d<\/work-title>/);
    assert.deepEqual(await musicXmlSchemaErrors(xml), []);
  });

  it('is refused by the schema when it is broken (the check can fail)', async () => {
    const xml = writeMusicXml(parseKern(fixture('twinkle.krn').text, 'twinkle.krn'), { tempo: 100, program: 73 });
    const errors = await musicXmlSchemaErrors(xml.replace('<voice>1</voice><type>quarter</type>', '<type>quarter</type><voice>1</voice>'));
    assert.ok(errors.length > 0);
  });
});
