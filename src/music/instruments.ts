// General MIDI programs by name, for choosing the instrument of a MIDI file or audio preview.
import { InstrumentError } from './errors.js';

/** The 128 General MIDI melodic programs; the index is the program number (0-based). */
export const GM_PROGRAM_NAMES: readonly string[] = [
  'acoustic grand piano', 'bright acoustic piano', 'electric grand piano', 'honky-tonk piano',
  'electric piano 1', 'electric piano 2', 'harpsichord', 'clavi',
  'celesta', 'glockenspiel', 'music box', 'vibraphone',
  'marimba', 'xylophone', 'tubular bells', 'dulcimer',
  'drawbar organ', 'percussive organ', 'rock organ', 'church organ',
  'reed organ', 'accordion', 'harmonica', 'tango accordion',
  'acoustic guitar (nylon)', 'acoustic guitar (steel)', 'electric guitar (jazz)', 'electric guitar (clean)',
  'electric guitar (muted)', 'overdriven guitar', 'distortion guitar', 'guitar harmonics',
  'acoustic bass', 'electric bass (finger)', 'electric bass (pick)', 'fretless bass',
  'slap bass 1', 'slap bass 2', 'synth bass 1', 'synth bass 2',
  'violin', 'viola', 'cello', 'contrabass',
  'tremolo strings', 'pizzicato strings', 'orchestral harp', 'timpani',
  'string ensemble 1', 'string ensemble 2', 'synthstrings 1', 'synthstrings 2',
  'choir aahs', 'voice oohs', 'synth voice', 'orchestra hit',
  'trumpet', 'trombone', 'tuba', 'muted trumpet',
  'french horn', 'brass section', 'synthbrass 1', 'synthbrass 2',
  'soprano sax', 'alto sax', 'tenor sax', 'baritone sax',
  'oboe', 'english horn', 'bassoon', 'clarinet',
  'piccolo', 'flute', 'recorder', 'pan flute',
  'blown bottle', 'shakuhachi', 'whistle', 'ocarina',
  'lead 1 (square)', 'lead 2 (sawtooth)', 'lead 3 (calliope)', 'lead 4 (chiff)',
  'lead 5 (charang)', 'lead 6 (voice)', 'lead 7 (fifths)', 'lead 8 (bass + lead)',
  'pad 1 (new age)', 'pad 2 (warm)', 'pad 3 (polysynth)', 'pad 4 (choir)',
  'pad 5 (bowed)', 'pad 6 (metallic)', 'pad 7 (halo)', 'pad 8 (sweep)',
  'fx 1 (rain)', 'fx 2 (soundtrack)', 'fx 3 (crystal)', 'fx 4 (atmosphere)',
  'fx 5 (brightness)', 'fx 6 (goblins)', 'fx 7 (echoes)', 'fx 8 (sci-fi)',
  'sitar', 'banjo', 'shamisen', 'koto',
  'kalimba', 'bag pipe', 'fiddle', 'shanai',
  'tinkle bell', 'agogo', 'steel drums', 'woodblock',
  'taiko drum', 'melodic tom', 'synth drum', 'reverse cymbal',
  'guitar fret noise', 'breath noise', 'seashore', 'bird tweet',
  'telephone ring', 'helicopter', 'applause', 'gunshot',
];

/** Everyday names for common programs. */
const ALIASES: Readonly<Record<string, number>> = {
  piano: 0,
  'grand piano': 0,
  organ: 19,
  guitar: 24,
  'nylon guitar': 24,
  'steel guitar': 25,
  bass: 32,
  strings: 48,
  choir: 52,
  voice: 53,
  sax: 65,
  saxophone: 65,
  'tin whistle': 78,
  'penny whistle': 78,
  fife: 72,
  flageolet: 74,
  bagpipe: 109,
  pipes: 109,
  'uilleann pipes': 109,
  'highland pipes': 109,
  concertina: 21,
  melodeon: 21,
  'button accordion': 21,
  bandoneon: 23,
  'mouth organ': 22,
  'hammered dulcimer': 15,
  cimbalom: 15,
  harp: 46,
  'celtic harp': 46,
  'double bass': 43,
  'upright bass': 43,
  keyboard: 0,
  mandolin: 25,
  bouzouki: 25,
  ukulele: 24,
  'classical guitar': 24,
  lute: 24,
  hurdy: 109,
  'hurdy gurdy': 109,
  nyckelharpa: 110,
  cornet: 56,
  horn: 60,
  'french horn': 60,
  bells: 14,
};

const EXAMPLES = ['flute', 'violin', 'acoustic grand piano', 'recorder', 'accordion', 'fiddle', 'clarinet', '73'];

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

/** A name with no separators or brackets, so that 'bagpipe' meets 'bag pipe' and 'synth strings 1' 'synthstrings 1'. */
function compact(name: string): string {
  return normalise(name).replace(/[\s()+.]/g, '');
}

/** The program of an exact GM name or alias, compared without separators, also in the singular ('bagpipes'). */
function namedProgram(text: string): number | undefined {
  for (const candidate of [text, text.replace(/e?s$/, ''), text.replace(/s$/, '')]) {
    const key = compact(candidate);
    if (key === '') continue;
    const exact = GM_PROGRAM_NAMES.findIndex((name) => compact(name) === key);
    if (exact >= 0) return exact;
    const alias = Object.entries(ALIASES).find(([name]) => compact(name) === key);
    if (alias) return alias[1];
  }
  return undefined;
}

/**
 * The GM program (0..127) for a name such as 'flute', 'Acoustic Grand Piano', 'acoustic-grand-piano', 'bagpipe'
 * or 'bagpipes' (GM 'bag pipe'), an everyday alias ('piano', 'fiddle', 'concertina', 'tin whistle', 'uilleann
 * pipes'), a part of exactly one name ('grand' is ambiguous, 'oboe' is not), or a program number '0'..'127'. Throws InstrumentError listing accepted names otherwise.
 */
export function instrumentProgram(nameOrNumber: string): number {
  const text = normalise(nameOrNumber);
  if (/^\d+$/.test(text)) {
    const program = Number(text);
    if (program <= 127) return program;
    throw new InstrumentError(`instrument number ${text} is outside General MIDI's 0..127`);
  }
  const named = namedProgram(text);
  if (named !== undefined) return named;
  const partial = text === '' ? [] : GM_PROGRAM_NAMES.flatMap((name, program) => (normalise(name).includes(text) ? [program] : []));
  if (partial.length === 1 && partial[0] !== undefined) return partial[0];
  const hint =
    partial.length > 1
      ? `it matches several: ${partial.slice(0, 6).map((p) => `'${GM_PROGRAM_NAMES[p] ?? ''}'`).join(', ')}`
      : `try ${EXAMPLES.map((e) => `'${e}'`).join(', ')} or a General MIDI program number 0..127`;
  throw new InstrumentError(`"${nameOrNumber}" is not a General MIDI instrument: ${hint}`);
}

/** How an instrument option reads back to the user: its GM name and program, e.g. 'bag pipe (GM 109)'. */
export function instrumentLabel(nameOrNumber: string): string {
  const program = instrumentProgram(nameOrNumber);
  return `${instrumentName(program)} (GM ${program})`;
}

/** The GM name of a program number. */
export function instrumentName(program: number): string {
  const name = GM_PROGRAM_NAMES[program];
  if (name === undefined) throw new InstrumentError(`instrument number ${program} is outside General MIDI's 0..127`);
  return name;
}

/**
 * The General MIDI program that accompanies a melody instrument, as folk tunes are played: a flute, whistle,
 * fiddle or voice over a guitar, an accordion over its own bass and chords, a piano over itself, a guitar over
 * a piano, winds and brass over a piano, a pad or synth over strings.
 */
export function accompanimentProgram(melodyProgram: number): number {
  const NYLON_GUITAR = 24;
  const STEEL_GUITAR = 25;
  const ACCORDION = 21;
  const PIANO = 0;
  const STRINGS = 48;
  if (melodyProgram >= 104 && melodyProgram <= 111) return STEEL_GUITAR; // sitar, banjo, bagpipe, fiddle ...
  switch (Math.floor(melodyProgram / 8)) {
    case 0: // pianos
    case 1: // chromatic percussion
      return PIANO;
    case 2: // organs, accordion, harmonica
      return ACCORDION;
    case 3: // guitars
    case 4: // basses
      return PIANO;
    case 5: // strings: fiddle tunes over a guitar
      return STEEL_GUITAR;
    case 6: // ensembles, choir, voice
      return NYLON_GUITAR;
    case 7: // brass
    case 8: // reeds
      return PIANO;
    case 9: // pipes: flute, recorder, whistle
      return NYLON_GUITAR;
    default: // synth leads, pads, effects, percussion
      return STRINGS;
  }
}
