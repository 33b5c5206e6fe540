// `folkbot compose`: the main job on the command line. Parses options, calls the Composer, writes the files.
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { ensureOutputFolder } from '../output-folder.js';
import {
  ACCOMPANIMENTS,
  AUDIO_CODECS,
  COMPOSE_LIMITS,
  DEFAULT_ACCOMPANIMENT,
  ComposeOptionError,
  DEFAULT_INSTRUMENT,
  SUPPORTED_METERS,
  parseAccompaniment,
  parseMeterText,
  parseMode,
  type AudioCodec,
} from '../../compose/compose-options.js';
import type { ComposeOptions, ComposeResult } from '../../compose/types.js';
import { startScoreRenderer } from '../../render/score.js';
import { useBaselineWasmEverywhere } from '../../util/wasm-tiering.mjs';
import { SeedError, SeedFileError } from '../../music/errors.js';
import { instrumentLabel } from '../../music/instruments.js';
import { checkSeedFileSize, readAbcSeed, readSeedFile, SEED_FILE_TYPES, seedFileFormat } from '../../music/formats/seed-file.js';
import { seededInput, type SeededInput } from '../../compose/seed-from-file.js';
import { logger } from '../../util/logger.js';
import { styleFacts, styleSongs, styleSummary } from '../../compose/style-summary.js';
import type { StyleInfo } from '../../model/folder/model-folder.js';

const { bars, temperature, tempo } = COMPOSE_LIMITS;

/** What the usage text says of the model that --model (or the default) names: its meters, and its styles. */
interface ModelHelp {
  readonly meters: string;
  readonly style: string;
  readonly meterDefault: string;
}

/** The usage text, listing the meters and styles of the model that --model (or the default) names. */
function usageText(model: ModelHelp): string {
  return `Usage: folkbot compose [options]

Composes a folk tune that starts with the seed's notes and writes tune.mid, tune.krn, tune.abc (ABC notation),
tune.musicxml (MusicXML for score editors), tune.png (the score) and tune.mp3 (an audio preview; tune.ogg with
--audio opus) into a folder.

Options:
  --seed "NOTES"        opening notes in kern-like syntax, e.g. "4c 8d 8e 4f 4g" (default: none)
                        duration (1 2 4 8 16 32, triplets 3 6 12 24, dots) then pitch (c = middle C, cc higher,
                        C lower, # sharp, - flat) or r for a rest; bar lines | are optional (one
                        before a whole bar makes a pickup, and --bars full bars follow it); ties [2c 8c]
  --seed-abc "ABC"      opening notes in ABC notation instead, e.g. "G2AB c2BA|" (L:1/8; --meter and --key
                        set M: and K:), or a whole tune with its X:/K: header
  --seed-file FILE      take the opening from a file: ${SEED_FILE_TYPES}; its first bars (at most half
                        of --bars), meter and key are used unless other options say otherwise
  --bars N              length in bars, seed included (${bars.min}-${bars.max}, default ${bars.default})
  --style NAME          ${model.style}
  --meter M             ${model.meters} (${model.meterDefault})
  --key K               tonic: C, G, D, F#, Bb (or B-), ... (default: the seed's key, or C major / A minor)
  --mode major|minor    (default: the seed's mode; without a seed, drawn from the songs (of the style) in the meter)
  --temperature T       ${temperature.min}-${temperature.max}: lower is safer, higher more adventurous (default ${temperature.default}: the
                        style's own; a style may be sampled at a multiple of it, which the summary names)
  --random-seed N       same options and random seed give the same tune (default: a new one, always printed)
  --tempo BPM           quarter notes per minute, ${tempo.min}-${tempo.max} (default ${tempo.default})
  --instrument NAME     General MIDI instrument name or number 0-127 (default ${DEFAULT_INSTRUMENT})
  --title TEXT          title on the score (default: "Folk tune no. <random seed>")
  --accompaniment A     ${ACCOMPANIMENTS.join('|')}: chord symbols on the score (chords), and bass and chords in the
                        MIDI and audio too (full); default ${DEFAULT_ACCOMPANIMENT} (none for a pentatonic style)
  --model DIR           model folder (default: $FOLKBOT_MODEL_DIR or models/default)
  --soundfont FILE      a General MIDI .sf2 SoundFont for the audio (default: $FOLKBOT_SOUNDFONT or built-in synth)
  --audio mp3|opus      audio preview as MP3 or as Ogg Opus (default: $FOLKBOT_AUDIO or mp3)
  --out DIR             output folder (default: a new folder ./folkbot-tune-<random seed>)
  --json                print one JSON object (files, notes, key, style, timings...) instead of a summary

Example:
  folkbot compose --seed "8g 8a 4b 4g | 4a 4d" --meter 3/4 --key G --bars 16 --random-seed 7`;
}

/** The help text's lines on styles, with one line per style of the model (song counts, usual meter, description). */
function styleHelp(dir: string, styles: readonly StyleInfo[]): Pick<ModelHelp, 'style' | 'meterDefault'> {
  if (styles.length === 0) return { style: `the style to compose in, for a model with styles (${dir} has none)`, meterDefault: 'default 4/4' };
  const width = Math.max(...styles.map((style) => style.name.length));
  const lines = styles.map(
    (style) => `                          ${style.name.padEnd(width)}  ${styleFacts(styleSongs(style), style.usualMeter)}: ${style.description}`,
  );
  return {
    style: [`the style to compose in (default ${styles[0]!.name}); the styles of ${dir}:`, ...lines].join('\n'),
    meterDefault: "default: the style's usual meter",
  };
}

function modelDirOf(model: string | undefined): string {
  return model ?? process.env.FOLKBOT_MODEL_DIR ?? 'models/default';
}

/** The --model value in raw arguments (for --help, which does not parse them strictly). */
function modelArgument(argv: readonly string[]): string | undefined {
  const index = argv.findIndex((arg) => arg === '--model' || arg.startsWith('--model='));
  if (index < 0) return undefined;
  const arg = argv[index]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

/** The seed of --seed-file (read from disk, its size checked first) or --seed-abc, as compose input. */
async function seedFromFileOptions(file: string | undefined, abc: string | undefined, input: Partial<ComposeOptions>): Promise<SeededInput> {
  try {
    if (file === undefined) {
      const key = input.key === undefined ? undefined : { tonic: input.key, mode: input.mode ?? 'major' };
      return seededInput(readAbcSeed(abc ?? '', input.meter, key), 'the ABC seed', input);
    }
    const name = path.basename(file);
    if (seedFileFormat(name) === null) throw new SeedFileError(name, `${name} is not a file type folkbot reads as a seed: give ${SEED_FILE_TYPES}`);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new UsageError(`--seed-file: ${file} cannot be read: no such file`);
    }
    checkSeedFileSize(name, size);
    return seededInput(readSeedFile(await readFile(file), name), name, input);
  } catch (error) {
    if (error instanceof SeedFileError) throw new UsageError(`--seed-${file === undefined ? 'abc' : 'file'}: ${error.message}`);
    throw error;
  }
}

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return value;
}

/** A folder name that does not exist yet: folkbot-tune-42, folkbot-tune-42-2, ... */
function freshFolder(base: string): string {
  let candidate = base;
  for (let n = 2; existsSync(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}

/** The summary; `styleChosen`: --style was given (else the style is the model's default). */
function describe(result: ComposeResult, files: Record<string, string>, styleChosen: boolean): string {
  const { options } = result;
  const meter = `${result.meter.numerator}/${result.meter.denominator}`;
  const style = styleSummary(result.style, result.meter, styleChosen);
  const lines = [
    `Composed "${options.title ?? `Folk tune no. ${options.randomSeed}`}": ${result.key.name}, ${meter}, ${result.bars} bars, ${result.notes.filter((n) => n.pitch !== null).length} notes`,
    ...(style !== null ? [`  ${style}`] : []),
    `  temperature ${options.temperature}, tempo ${options.tempo}, instrument ${instrumentLabel(options.instrument)}, accompaniment ${options.accompaniment ?? DEFAULT_ACCOMPANIMENT}, random seed ${options.randomSeed}`,
    ...(result.chords.length > 0 ? [`  chords ${result.chords.map((chord) => chord.symbol).join(' ')}`] : []),
    `  (again: --random-seed ${options.randomSeed} with the same options)`,
    ...Object.entries(files).map(([kind, file]) => `  ${kind.padEnd(8)} ${file}`),
  ];
  if (result.originality.note !== null) lines.push(`  Note: ${result.originality.note}`);
  return lines.join('\n');
}

export const command: CliCommand = {
  name: 'compose',
  summary: 'compose a tune from a seed: MIDI, **kern, ABC, MusicXML, score picture and audio preview',
  usage: usageText({
    meters: `${SUPPORTED_METERS.join(', ')}, those the model knows`,
    style: "the style to compose in, one of the model's styles (see --help)",
    meterDefault: "default: the style's usual meter for a model with styles, else 4/4",
  }),
  async help(argv) {
    const dir = modelDirOf(modelArgument(argv));
    const { modelChoices } = await import('../../compose/composer.js');
    return usageText(
      await modelChoices(dir).then(
        (choices) => ({ meters: `${choices.meters.join(', ')} (the meters of ${dir})`, ...styleHelp(dir, choices.styles) }),
        () => ({
          meters: `${SUPPORTED_METERS.join(', ')}, those that the model knows (${dir} could not be read)`,
          style: `the style to compose in, one of the model's styles (${dir} could not be read)`,
          meterDefault: "default: the style's usual meter for a model with styles, else 4/4",
        }),
      ),
    );
  },
  async run(argv) {
    const started = performance.now();
    // All WebAssembly on V8's baseline compiler (see src/util/wasm-tiering.mjs): optimising verovio in the
    // background competed for the CPU during the compose and held the exit back until it was done (measured: exit
    // 0.8 s later, png/audio 250 -> 500 ms). The audio is made while the engraver starts, so a slower MP3 encoder
    // costs nothing here. No wasm is compiled before this line.
    useBaselineWasmEverywhere();
    // The engraver's WebAssembly takes longest to start: set it going before loading the rest of the pipeline.
    const engraver = startScoreRenderer();
    // A failure surfaces again, with its own message, when the tune is engraved.
    engraver.then(
      (info) => info.startNote && logger().warn({ reason: info.startNote }, 'verovio started from its packed module (slower start)'),
      () => undefined,
    );
    const { Composer } = await import('../../compose/composer.js');
    const values = parseOptions(argv, {
      seed: { type: 'string' },
      'seed-abc': { type: 'string' },
      'seed-file': { type: 'string' },
      style: { type: 'string' },
      bars: { type: 'string' },
      meter: { type: 'string' },
      key: { type: 'string' },
      mode: { type: 'string' },
      temperature: { type: 'string' },
      'random-seed': { type: 'string' },
      tempo: { type: 'string' },
      instrument: { type: 'string' },
      title: { type: 'string' },
      accompaniment: { type: 'string' },
      model: { type: 'string' },
      soundfont: { type: 'string' },
      audio: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    let input: Partial<ComposeOptions>;
    try {
      input = {
        seed: values.seed,
        // Which styles are accepted depends on the model: the composer checks, naming the model's styles.
        ...(values.style !== undefined ? { style: values.style } : {}),
        bars: numberOption('bars', values.bars),
        // Which meters are accepted depends on the model: the composer checks, naming the model's meters.
        meter: values.meter === undefined ? undefined : parseMeterText(values.meter),
        key: values.key,
        mode: values.mode === undefined ? undefined : parseMode(values.mode),
        temperature: numberOption('temperature', values.temperature),
        randomSeed: numberOption('random-seed', values['random-seed']),
        tempo: numberOption('tempo', values.tempo),
        instrument: values.instrument,
        title: values.title,
        accompaniment: values.accompaniment === undefined ? undefined : parseAccompaniment(values.accompaniment),
      };
    } catch (error) {
      if (error instanceof ComposeOptionError) throw new UsageError(error.message);
      throw error;
    }
    const seedSources = (['seed', 'seed-abc', 'seed-file'] as const).filter((name) => values[name] !== undefined);
    if (seedSources.length > 1) throw new UsageError(`give one seed: ${seedSources.map((name) => `--${name}`).join(' and ')} were both given`);
    let seedDescription: string | undefined;
    if (values['seed-file'] !== undefined || values['seed-abc'] !== undefined) {
      const seeded = await seedFromFileOptions(values['seed-file'], values['seed-abc'], input);
      input = seeded.input;
      seedDescription = seeded.description;
    }

    const modelDir = modelDirOf(values.model);
    const soundfontPath = values.soundfont ?? (process.env.FOLKBOT_SOUNDFONT || undefined);
    const audio = values.audio ?? (process.env.FOLKBOT_AUDIO || 'mp3');
    if (!(AUDIO_CODECS as readonly string[]).includes(audio)) {
      throw new UsageError(`--audio must be ${AUDIO_CODECS.join(' or ')}, got "${audio}"${values.audio === undefined ? ' (from FOLKBOT_AUDIO)' : ''}`);
    }
    const log = logger();
    const loadStart = performance.now();
    // One tune: no warm-up (it would only delay this tune); the engraver is already starting.
    const composer = await Composer.open(modelDir, { soundfontPath, audio: audio as AudioCodec, warmUp: false });
    log.debug({ model: composer.info.name, modelDir, ms: Math.round(performance.now() - loadStart) }, 'model loaded');
    for (const warning of composer.info.warnings) log.warn({ modelDir, warning }, 'model folder');

    let result: ComposeResult;
    try {
      result = await composer.compose(input);
    } catch (error) {
      if (error instanceof SeedError) {
        const where = error.position > 0 ? ` (token ${error.position} "${error.token}", column ${error.column})` : '';
        throw new UsageError(`bad --seed${where}: ${error.message}`);
      }
      if (error instanceof ComposeOptionError) throw new UsageError(error.message);
      throw error;
    } finally {
      composer.dispose();
    }

    const out = values.out ?? freshFolder(path.resolve(`folkbot-tune-${result.options.randomSeed}`));
    await ensureOutputFolder(out);
    const files = {
      midi: path.join(out, 'tune.mid'),
      kern: path.join(out, 'tune.krn'),
      abc: path.join(out, 'tune.abc'),
      musicxml: path.join(out, 'tune.musicxml'),
      score: path.join(out, 'tune.png'),
      audio: path.join(out, `tune.${result.files.audioFormat}`),
    };
    await Promise.all([
      writeFile(files.midi, result.files.midi),
      writeFile(files.kern, result.files.kern),
      writeFile(files.abc, result.files.abc),
      writeFile(files.musicxml, result.files.musicxml),
      writeFile(files.score, result.files.png),
      writeFile(files.audio, result.files.audio),
    ]);
    const timings = { ...result.timings, command: Math.round(performance.now() - started) };
    log.debug({ timings }, 'composed');
    if (values.json) {
      const { files: _bytes, ...rest } = result;
      process.stdout.write(JSON.stringify({ ...rest, files, timings, ...(seedDescription ? { seedFrom: seedDescription } : {}) }, null, 2) + '\n');
    } else {
      process.stdout.write((seedDescription ? `Seed: ${seedDescription}\n  ${result.options.seed}\n` : '') + describe(result, files, values.style !== undefined) + '\n');
    }
    return 0;
  },
};
