// Builds a tiny but complete SoundFont 2 file by hand (RIFF "sfbk": INFO, sdta, pdta), so the SoundFont path
// can be tested without shipping a multi-megabyte .sf2: one looped 16-bit sample (a sine plus its octave,
// exactly 100 samples per period at 44 kHz = 440 Hz = MIDI 69), one instrument, one preset.
// Layout per the SoundFont 2.01 specification, section 5-7.

const SAMPLE_RATE = 44000;
const PERIOD = 100; // samples: 440 Hz at 44 kHz
const PERIODS = 40;

function chunk(id: string, body: Uint8Array): Uint8Array {
  const padded = body.length + (body.length & 1);
  const out = new Uint8Array(8 + padded);
  out.set(ascii(id, 4), 0);
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function list(kind: 'RIFF' | 'LIST', form: string, parts: readonly Uint8Array[]): Uint8Array {
  return chunk(kind, concat([ascii(form, 4), ...parts]));
}

function ascii(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < Math.min(text.length, length); i++) out[i] = text.charCodeAt(i);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Fixed-size little-endian records: each field is [bytes, value] with bytes 1, 2 or 4, or a name string. */
function records(size: number, rows: readonly (readonly (readonly [number, number] | string)[])[]): Uint8Array {
  const out = new Uint8Array(size * rows.length);
  const view = new DataView(out.buffer);
  rows.forEach((row, index) => {
    let offset = index * size;
    for (const field of row) {
      if (typeof field === 'string') {
        out.set(ascii(field, 20), offset);
        offset += 20;
        continue;
      }
      const [bytes, value] = field;
      if (bytes === 1) view.setUint8(offset, value & 0xff);
      else if (bytes === 2) view.setUint16(offset, value & 0xffff, true);
      else view.setUint32(offset, value >>> 0, true);
      offset += bytes;
    }
    if (offset !== (index + 1) * size) throw new Error(`record ${index} has ${offset - index * size} bytes, expected ${size}`);
  });
  return out;
}

// Generator operators (SF2 spec 8.1.2).
const GEN_RELEASE_VOL_ENV = 38;
const GEN_INSTRUMENT = 41;
const GEN_SAMPLE_ID = 53;
const GEN_SAMPLE_MODES = 54;
const GEN_OVERRIDING_ROOT_KEY = 58;

/** A valid SoundFont 2.01 file with one preset (bank 0, program `program`) playing a looped tone. */
export function buildTinySoundFont(program = 0): Uint8Array {
  const length = PERIOD * PERIODS;
  // Sample data: 16-bit PCM, followed by 46 zero samples as the spec requires.
  const smpl = new Uint8Array((length + 46) * 2);
  const pcm = new DataView(smpl.buffer);
  for (let i = 0; i < length; i++) {
    const phase = (2 * Math.PI * i) / PERIOD;
    pcm.setInt16(i * 2, Math.round(20000 * (0.8 * Math.sin(phase) + 0.2 * Math.sin(2 * phase))), true);
  }

  const info = list('LIST', 'INFO', [
    chunk('ifil', records(4, [[[2, 2], [2, 1]]])),
    chunk('isng', ascii('EMU8000', 8)),
    chunk('INAM', ascii('folkbot test bank', 18)),
  ]);
  const sdta = list('LIST', 'sdta', [chunk('smpl', smpl)]);

  const u16 = (value: number) => [2, value] as const;
  const u32 = (value: number) => [4, value] as const;
  const pdta = list('LIST', 'pdta', [
    // phdr: name, preset, bank, bag index, library, genre, morphology; then the terminal EOP record.
    chunk('phdr', records(38, [
      ['Test Tone', u16(program), u16(0), u16(0), u32(0), u32(0), u32(0)],
      ['EOP', u16(0), u16(0), u16(1), u32(0), u32(0), u32(0)],
    ])),
    chunk('pbag', records(4, [[u16(0), u16(0)], [u16(1), u16(0)]])),
    chunk('pmod', records(10, [[u16(0), u16(0), u16(0), u16(0), u16(0)]])),
    chunk('pgen', records(4, [[u16(GEN_INSTRUMENT), u16(0)], [u16(0), u16(0)]])),
    chunk('inst', records(22, [['Test Tone', u16(0)], ['EOI', u16(1)]])),
    chunk('ibag', records(4, [[u16(0), u16(0)], [u16(4), u16(0)]])),
    chunk('imod', records(10, [[u16(0), u16(0), u16(0), u16(0), u16(0)]])),
    chunk('igen', records(4, [
      [u16(GEN_RELEASE_VOL_ENV), u16(-2400)], // about 0.25 s release (timecents)
      [u16(GEN_SAMPLE_MODES), u16(1)], // loop continuously
      [u16(GEN_OVERRIDING_ROOT_KEY), u16(69)],
      [u16(GEN_SAMPLE_ID), u16(0)], // must be the last generator of the zone
      [u16(0), u16(0)],
    ])),
    // shdr: name, start, end, loop start, loop end, rate, original pitch, correction, link, type (1 = mono).
    chunk('shdr', records(46, [
      ['Tone', u32(0), u32(length), u32(PERIOD), u32(length - PERIOD), u32(SAMPLE_RATE), [1, 69], [1, 0], u16(0), u16(1)],
      ['EOS', u32(0), u32(0), u32(0), u32(0), u32(0), [1, 0], [1, 0], u16(0), u16(0)],
    ])),
  ]);
  return list('RIFF', 'sfbk', [info, sdta, pdta]);
}
