// A stand-in compose service for bot tests and the bot benchmark, loaded by the compose pool's worker threads
// (it exports `createComposeService` like the real adapter). It composes a deterministic random melody (same
// options and random seed = same tune), keeps the seed's notes at the start, and returns real files: MIDI via
// @tonejs/midi, a PNG drawn from SVG by resvg, and silent MPEG-1 Layer III frames as the audio.
//
// Model folders: `<dir>/fake-model.json` ({ "name": ..., "parameters": ..., "composeMs": ..., "styles": [...] }); a
// missing or malformed file is refused with the reason, like a broken model. With styles ({ name, description, songs,
// usualMeter }, the first the default) it takes a style as the composer does: a request without a meter gets the
// style's usual one, a tune without seed, mode or key "draws" its mode (always major, 25% minor), an unknown style is
// a ComposeOptionError naming the styles; without styles any style is refused. With composeMs, every compose (the pool's
// warm-up tune included) takes at least that long, like a model of known speed. Failure hooks for tests: temperature exactly 1.99 makes
// composing throw an internal error, tempo 41 makes it take 1.5 s; the seed syntax is `<duration><pitch>` (4c, 8.d#, 2r), anything else
// is a SeedError with position and token.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import toneMidi from '@tonejs/midi';
import { Resvg } from '@resvg/resvg-js';
import type { ComposeOptions, ComposeResult, ComposedNote, ComposedStyle } from '../../src/compose/types.js';
import type { ComposeRequest, ComposeService, ModelInfo, ModelStyle } from '../../src/bot/compose-service.js';
import type { Meter } from '../../src/music/types.js';
import { createRandom } from '../../src/util/random.js';

const { Midi } = toneMidi;

export class SeedError extends Error {
  override readonly name = 'SeedError';
  constructor(
    /** 1-based index of the token, like the real SeedError. */
    readonly position: number,
    readonly column: number,
    readonly token: string,
    message: string,
  ) {
    super(message);
  }
}

export const FAILING_TEMPERATURE = 1.99;
/** Tempo that makes the fake take SLOW_MS, to hold a worker busy in tests. */
export const SLOW_TEMPO = 41;
export const SLOW_MS = 1_500;

const TONICS: Record<string, number> = { C: 0, 'C#': 1, D: 2, 'E-': 3, E: 4, F: 5, 'F#': 6, G: 7, 'A-': 8, A: 9, 'B-': 10, B: 11 };
const LETTER_PC: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };


/** Parses the fake seed syntax; positions are character offsets into the seed text. */
export function parseSeed(seed: string): ComposedNote[] {
  const notes: ComposedNote[] = [];
  let onset = 0;
  let index = 0;
  for (const match of seed.matchAll(/\S+/g)) {
    index += 1;
    // Bar lines are skipped and tie marks dropped (the fake strikes tied pieces again).
    if (/^\|+$/.test(match[0])) continue;
    const token = match[0].replace(/^\[|[\]_]$/g, '');
    const parsed = /^(\d+)(\.?)(r|([a-gA-G])\4*([#-]*))$/.exec(token);
    const recip = parsed ? Number(parsed[1]) : 0;
    if (!parsed || ![1, 2, 3, 4, 6, 8, 12, 16, 32].includes(recip)) {
      throw new SeedError(index, match.index + 1, token, `seed token ${index} ("${token}", column ${match.index + 1}) is not a note: write a duration then a pitch, like 4c, 8.d or 2r`);
    }
    const duration = (4 / recip) * (parsed[2] ? 1.5 : 1);
    let pitch: number | null = null;
    if (parsed[3] !== 'r') {
      const letters = parsed[3]!.replace(/[#-]/g, '');
      const letter = letters[0]!;
      const lower = letter === letter.toLowerCase();
      const octave = lower ? 3 + letters.length : 4 - letters.length;
      pitch = (octave + 1) * 12 + LETTER_PC[letter.toLowerCase()]! + [...(parsed[5] ?? '')].reduce((s, c) => s + (c === '#' ? 1 : -1), 0);
    }
    notes.push({ pitch, onset, duration });
    onset += duration;
  }
  return notes;
}

function melody(options: ComposeOptions, tonicPc: number): ComposedNote[] {
  const random = createRandom(options.randomSeed).next;
  const barQuarters = (options.meter.numerator * 4) / options.meter.denominator;
  const total = options.bars * barQuarters;
  const notes = parseSeed(options.seed).filter((n) => n.onset < total);
  let onset = notes.reduce((end, n) => Math.max(end, n.onset + n.duration), 0);
  const scale = (options.mode ?? 'major') === 'major' ? [0, 2, 4, 5, 7, 9, 11] : [0, 2, 3, 5, 7, 8, 10];
  let degree = 0;
  while (onset < total - 1e-9) {
    const room = total - onset;
    const duration = Math.min(room, [0.5, 1, 1, 1.5, 2][Math.floor(random() * 5)] ?? 1);
    degree = Math.max(-3, Math.min(9, degree + Math.floor(random() * 5) - 2 - Math.floor(options.temperature - 1)));
    const octave = Math.floor(degree / 7);
    const pitch = 60 + tonicPc + octave * 12 + (scale[((degree % 7) + 7) % 7] ?? 0);
    notes.push({ pitch, onset, duration });
    onset += duration;
  }
  return notes;
}

function midiFile(notes: readonly ComposedNote[], tempo: number): Uint8Array {
  const midi = new Midi();
  midi.header.setTempo(tempo);
  const track = midi.addTrack();
  const secondsPerQuarter = 60 / tempo;
  for (const note of notes) {
    if (note.pitch !== null) track.addNote({ midi: note.pitch, time: note.onset * secondsPerQuarter, duration: note.duration * secondsPerQuarter });
  }
  return midi.toArray();
}

function scorePng(notes: readonly ComposedNote[], title: string): Uint8Array {
  const width = 40 + notes.length * 14;
  const staff = [0, 1, 2, 3, 4].map((i) => `<line x1="10" x2="${width - 10}" y1="${30 + i * 8}" y2="${30 + i * 8}" stroke="black"/>`).join('');
  const heads = notes
    .map((n, i) => (n.pitch === null ? '' : `<ellipse cx="${30 + i * 14}" cy="${62 - (n.pitch - 60) * 2}" rx="4" ry="3" fill="black"/>`))
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="100"><rect width="100%" height="100%" fill="white"/><title>${title}</title>${staff}${heads}</svg>`;
  return new Resvg(svg).render().asPng();
}

/** `frames` silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, 417 bytes each). */
function silentMp3(frames: number): Uint8Array {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  const out = new Uint8Array(frame.length * frames);
  for (let i = 0; i < frames; i++) out.set(frame, i * frame.length);
  return out;
}

function kernText(notes: readonly ComposedNote[], options: ComposeOptions, tonic: string): string {
  const body = notes.map((n) => `${4 / n.duration}${n.pitch === null ? 'r' : 'c'}`);
  return ['**kern', `*M${options.meter.numerator}/${options.meter.denominator}`, `*${options.mode === 'minor' ? tonic.toLowerCase() : tonic}:`, ...body, '*-', ''].join('\n');
}

/** A small ABC text: one C (or rest) per note, `bars` bars, so long tunes outgrow a message as real ones do. */
function abcText(notes: readonly ComposedNote[], options: ComposeOptions): string {
  const body = notes.map((n) => `${n.pitch === null ? 'z' : 'C'}${n.duration * 2}`).join(' ');
  return ['X:1', `T:${options.title ?? 'folkbot'}`, `M:${options.meter.numerator}/${options.meter.denominator}`, 'L:1/8', 'K:C', `${body} |]`, ''].join('\n');
}

const FAKE_MUSICXML = '<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="4.0"><part-list/></score-partwise>\n';

interface FakeModel {
  readonly info: ModelInfo;
  readonly composeMs: number;
}

async function loadModel(dir: string): Promise<FakeModel> {
  const file = path.join(dir, 'fake-model.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no model in ${dir}: fake-model.json is missing`);
  }
  let parsed: { name?: unknown; parameters?: unknown; composeMs?: unknown; styles?: ModelStyle[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new Error(`the model in ${dir} is broken: fake-model.json is not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof parsed.name !== 'string') throw new Error(`the model in ${dir} is broken: fake-model.json has no "name"`);
  const info: ModelInfo = {
    name: parsed.name,
    data: 'Essen Folksong Collection (fake model for tests)',
    ...(typeof parsed.parameters === 'number' ? { parameters: parsed.parameters } : {}),
    validation: { loss: 1.25, accuracy: 0.58 },
    backend: 'fake',
    dir,
    ...(Array.isArray(parsed.styles) && parsed.styles.length > 0 ? { styles: parsed.styles } : {}),
  };
  return { info, composeMs: typeof parsed.composeMs === 'number' ? parsed.composeMs : 0 };
}

function optionError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ComposeOptionError' });
}

/** The request with its style and meter resolved as the composer does, and the style it was composed in. */
function withStyle(request: ComposeRequest, styles: readonly ModelStyle[]): { options: ComposeOptions; style: ComposedStyle | null } {
  if (request.style !== undefined && styles.length === 0) throw optionError(`this model has no styles: it composes in one manner only (got "${request.style}")`);
  const style = request.style === undefined ? styles[0] : styles.find((candidate) => candidate.name === request.style);
  if (style === undefined && styles.length > 0) throw optionError(`"${request.style}" is not one of this model's styles: ${styles.map((s) => s.name).join(', ')}`);
  const [numerator, denominator] = (style?.usualMeter ?? '4/4').split('/').map(Number) as [number, number];
  const meter: Meter = request.meter ?? { numerator, denominator };
  const options: ComposeOptions = { ...request, meter, ...(style !== undefined ? { style: style.name } : {}) };
  if (style === undefined) return { options, style: null };
  const modeFromStyle = request.seed === '' && request.mode === undefined && request.key === undefined;
  return { options, style: { name: style.name, description: style.description, meterFromStyle: request.meter === undefined, modeFromStyle, minorShare: 0.25, rules: [] } };
}

export async function createComposeService(modelDir: string): Promise<ComposeService> {
  let model = await loadModel(modelDir);
  return {
    modelInfo: () => model.info,
    async reload(dir: string) {
      model = await loadModel(dir);
      return model.info;
    },
    async compose(request: ComposeRequest): Promise<ComposeResult> {
      const started = performance.now();
      const { options, style } = withStyle(request, model.info.styles ?? []);
      if (options.temperature === FAILING_TEMPERATURE) throw new Error('fake model: the sampler fell over');
      if (options.tempo === SLOW_TEMPO) await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      if (model.composeMs > 0) await new Promise((resolve) => setTimeout(resolve, model.composeMs));
      const mode = options.mode ?? 'major';
      const tonic = options.key ?? (mode === 'major' ? 'C' : 'A');
      const tonicPc = TONICS[tonic];
      if (tonicPc === undefined) {
        throw Object.assign(new Error(`key "${tonic}" is not a key: write a tonic like C, F#, B-`), { name: 'ComposeOptionError' });
      }
      const notes = melody(options, tonicPc);
      const t0 = performance.now();
      const midi = midiFile(notes, options.tempo);
      const png = scorePng(notes, options.title ?? 'folkbot');
      const t1 = performance.now();
      return {
        options,
        key: { name: `${tonic} ${mode}`, tonic, mode },
        meter: options.meter,
        bars: options.bars,
        pickup: 0,
        notes,
        chords: [],
        files: { midi, kern: kernText(notes, options, tonic), abc: abcText(notes, options), musicxml: FAKE_MUSICXML, png, audio: silentMp3(8), audioFormat: 'mp3' },
        originality: { checked: false, passage: null, note: null },
        model: { name: model.info.name, backend: 'fake' },
        style,
        timings: { generate: t0 - started, png: t1 - t0, total: performance.now() - started },
      };
    },
  };
}
