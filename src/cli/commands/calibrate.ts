// `folkbot calibrate`: fits what a model folder needs beside its weights, and saves it there, so that `compose`,
// the bot and `evaluate` use it:
// - the within-song memory (the short-term model mixed with the network, see src/model/memory/), fitted on the
//   songs its training held out; prints the network's bits per note alone and with the memory, cross-fitted
//   (weights fitted on half of the songs score the other half);
// - the long-term model (an n-gram model of the training songs' tokens, src/model/memory/long-term.ts), built from
//   the training songs and mixed in with one weight per matched order fitted on the same held-out songs;
// - the shapes of its training songs per meter (share in minor, pickup lengths: src/music/song-shapes.ts), from
//   which a tune composed without a seed takes its mode and pickup.
import path from 'node:path';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { isValidationSong, loadLabelledCorpus, type CorpusFilter } from '../../model/data/dataset.js';
import { createEncoding } from '../../model/encodings/index.js';
import { LONG_TERM_FILE, loadModelFolder, saveModelFolder, type NoteShareFit, type StyleInfo } from '../../model/folder/model-folder.js';
import { DEFAULT_LONG_TERM_OPTIONS, LongTermModel } from '../../model/memory/long-term.js';
import { collectLongTermEvidence, fitLongTerm, type LongTermFit } from '../../model/memory/long-term-fit.js';
import { collectMemoryEvidence, fitMemory, mixtureBits, type MemoryEvidence, type MemoryFit } from '../../model/memory/memory-fit.js';
import type { MemorySettings } from '../../model/memory/memory-mix.js';
import { compareStyleNames, styleDefinition } from '../../model/data/styles.js';
import { grammarMasks, GrammarFallback, lstmPass } from '../../model/scoring/evaluate.js';
import { endingShape, songShapes, type SongShapes } from '../../music/song-shapes.js';
import { buildOriginalityIndex } from '../../music/originality.js';
import { ORIGINALITY_FILE, saveOriginalityIndex } from '../../model/folder/originality-file.js';
import { Composer } from '../../compose/composer.js';
import { fitStyleNoteBiases } from '../../compose/style-note-biases.js';
import { fitStyleTemperatures } from '../../compose/style-temperature.js';
import { fitStyleNoteLengths } from '../../compose/style-note-lengths.js';
import type { Melody } from '../../music/types.js';

const usage = `Usage: folkbot calibrate --model DIR --data DIR [options]

Fits the weights that mix the network with the tune's own short-term model (an n-gram model of the tune so far)
on the model's validation songs (the same split as training): one weight per length of the longest earlier
context the tune repeats and per bucket of the network's entropy (memory v2), or per length alone (v1). Prints
both kinds' cross-fitted bits per note (weights fitted on half of the songs score the other half), and counts the training songs' modes and pickups per meter: both go into the model
folder's folkbot-model.json. \`train\` runs this at its end. Also builds the originality index of the training songs (originality-index.bin),
with which compose reports the longest passage a tune shares with one of them. For a model with styles it then
fits each style's temperature (a factor on the one users ask for: the style's tunes repeat their phrases as often
as its training songs), note biases (they repeat notes, and keep to the pentatonic scale, as often as its
training songs do) and, per meter with at least 100 of its training songs, note-length biases (its tunes mix
sixteenths, eighths, quarters... as its songs of the meter do).

Options:
  --model DIR       model folder (required)
  --data DIR        the folder of .krn files the model was trained on (required)
  --max-order N     longest context of the short-term model (default 8)
  --memory v1|v2    the kind of memory saved (default v1, the shipped kind; v2: by context length and network
                    entropy, fewer bits per note but tunes not yet checked enough to ship: see the README)
  --long-term on|off  also build the long-term model of the training songs (long-term.bin: counts of token
                    patterns that at least two songs share, contexts of up to 8 tokens) and fit its weights
                    (default on)
  --dry-run         print the figures, change nothing
  --json            print one JSON object`;

/** What cannot be calibrated (too few validation songs under the folder): the model still works without it. */
export class CalibrationError extends Error {
  override readonly name = 'CalibrationError';
}

export interface Calibration {
  readonly modelDir: string;
  readonly validationSongs: number;
  readonly trainingSongs: number;
  readonly notes: number;
  /** The saved kind's fit. */
  readonly fit: MemoryFit;
  /** Every kind's fit on the same evidence (v1, v2), for comparison. */
  readonly fits: readonly MemoryFit[];
  /** The long-term model's fit on top of the saved kind (null with --long-term off). */
  readonly longTerm: (LongTermFit & { readonly nodes: number; readonly entries: number; readonly bytes: number }) | null;
  readonly shapes: SongShapes;
  readonly styles: readonly StyleInfo[];
  readonly saved: boolean;
}

/**
 * Fits the memory, counts the song shapes and builds the originality index of a model folder (saved unless dryRun).
 * `cacheDir`: the corpus cache of dataset.ts (default runs/.cache; null: none).
 */
export async function calibrateModelFolder(
  modelDir: string,
  dataDir: string,
  options: { maxOrder?: number; dryRun?: boolean; memory?: MemorySettings['kind']; longTerm?: boolean; cacheDir?: string | null } = {},
): Promise<Calibration> {
  const maxOrder = options.maxOrder ?? 8;
  const { weights, metadata } = await loadModelFolder(modelDir);
  const encoding = createEncoding(metadata.encoding);
  const settings = metadata.hyperparameters;
  const filter = String(settings.corpusFilter ?? 'default') as CorpusFilter;
  const fraction = Number(settings.validationFraction ?? 0.1);
  const seed = Number(settings.splitSeed ?? 1234);
  const corpus = loadLabelledCorpus({ dataDir, filter, ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}) });
  const songs: Int32Array[] = [];
  const validationMelodies: Melody[] = [];
  const songStyles: (string | undefined)[] = [];
  const trainingSongs: { file: string; melody: Melody }[] = [];
  for (const entry of corpus.entries) {
    if (!('melody' in entry) || encoding.reject(entry.melody) !== null) continue;
    if (isValidationSong(entry.file, fraction, seed)) {
      songs.push(encoding.encode(entry.melody));
      validationMelodies.push(entry.melody);
      songStyles.push(entry.melody.style);
    } else {
      trainingSongs.push(entry);
    }
  }
  if (songs.length < MIN_VALIDATION_SONGS) {
    throw new CalibrationError(`only ${songs.length} validation songs under ${dataDir} (at least ${MIN_VALIDATION_SONGS} are needed): calibrate with the corpus the model was trained on`);
  }
  const evidence = collectMemoryEvidence(encoding, lstmPass(encoding, weights), songs, maxOrder);
  const fits = MEMORY_KINDS.map((kind) => fitMemory(evidence, kind));
  const fit = fits.find((f) => f.settings.kind === (options.memory ?? 'short-term-linear-v1'))!;
  const shortTerm = { ...fit.settings, fittedOn: { songs: songs.length, notes: evidence.notes, networkBitsPerNote: fit.networkBitsPerNote, crossFittedBitsPerNote: fit.crossFittedBitsPerNote } };
  let longTerm: Calibration['longTerm'] = null;
  let longTermModel: LongTermModel | undefined;
  let memory: MemorySettings = shortTerm;
  if (options.longTerm !== false) {
    longTermModel = LongTermModel.build(trainingSongs.map((song) => encoding.encode(song.melody)), encoding.vocabularySize, {
      ...DEFAULT_LONG_TERM_OPTIONS,
      slots: conditioningSlots(encoding.config.vocabulary),
    });
    // Over the grammar's tokens where a song's grammar replays it, as generation samples.
    const evidenceSongs = songs.map((tokens, i) => {
      try {
        return { tokens, masks: grammarMasks(encoding, validationMelodies[i]!, tokens, encoding.scoredPositions(tokens).positions) };
      } catch (error) {
        if (error instanceof GrammarFallback) return { tokens };
        throw error;
      }
    });
    const longTermFit = fitLongTerm(collectLongTermEvidence(encoding, lstmPass(encoding, weights), evidenceSongs, fit.settings, longTermModel));
    const bytes = longTermModel.toBytes().length;
    longTerm = { ...longTermFit, nodes: longTermModel.nodes, entries: longTermModel.entries, bytes };
    memory = {
      ...shortTerm,
      longTerm: {
        file: LONG_TERM_FILE,
        // saveModelFolder records the file's SHA-256.
        sha256: '',
        weights: longTermFit.weights,
        built: { ...DEFAULT_LONG_TERM_OPTIONS, slots: 'meter', trainingSongs: trainingSongs.length, contexts: longTermModel.nodes, counts: longTermModel.entries },
        fittedOn: {
          songs: songs.length,
          withGrammar: true,
          withoutBitsPerNote: longTermFit.withoutBitsPerNote,
          crossFittedBitsPerNote: longTermFit.crossFittedBitsPerNote,
        },
      },
    };
  }
  const shapes = songShapes(trainingSongs.map((song) => song.melody));
  // In the order of styles.ts (german first: the default style), then any others by name.
  const names = [...(encoding.styles ?? [])].sort(compareStyleNames);
  const styles = names.map((name) => styleInfo(name, trainingSongs, songStyles, evidence, fit));
  let savedStyles = styles;
  if (options.dryRun !== true) {
    // The index of the training songs, for the originality check, goes in after the folder, each time it is saved:
    // saveModelFolder writes the folder anew, without it.
    const originality = buildOriginalityIndex(trainingSongs);
    await saveModelFolder(modelDir, weights, { ...metadata, memory, songShapes: shapes, ...(styles.length > 0 ? { styles } : {}) }, longTermModel);
    await saveOriginalityIndex(modelDir, originality);
    if (styles.length > 0) {
      // With the folder complete, its tunes can be composed as users get them: each style's temperature and note biases.
      const composer = await Composer.open(modelDir, { render: false });
      const songsOf = (name: string): Melody[] => trainingSongs.filter((song) => song.melody.style === name).map((song) => song.melody);
      let temperatures: ReturnType<typeof fitStyleTemperatures>;
      let fits: ReturnType<typeof fitStyleNoteBiases>;
      let lengths: ReturnType<typeof fitStyleNoteLengths>;
      try {
        // First each style's temperature (how often its tunes repeat their phrases), then its note biases at it, then
        // its note lengths per meter with both in place.
        temperatures = fitStyleTemperatures(composer, songsOf);
        const temperatureFactors = Object.fromEntries([...temperatures].map(([name, fit]) => [name, fit.factor]));
        fits = fitStyleNoteBiases(composer.withOptions({ temperatureFactors }), songsOf);
        const noteBiases = Object.fromEntries([...fits].map(([name, fit]) => [name, { repeatedNote: fit.repeatedNotes.bias, offPentatonic: fit.offPentatonic.bias }]));
        lengths = fitStyleNoteLengths(composer.withOptions({ temperatureFactors, noteBiases }), songsOf);
      } finally {
        composer.dispose();
      }
      savedStyles = styles.map((style) => {
        const fitted = fits.get(style.name);
        const temperature = temperatures.get(style.name);
        const noteLengths = lengths.get(style.name);
        return {
          ...style,
          ...(temperature !== undefined ? { temperature } : {}),
          ...(noteLengths !== undefined ? { noteLengths } : {}),
          ...(fitted !== undefined ? { repeatedNotes: fitted.repeatedNotes, offPentatonicNotes: fitted.offPentatonic } : {}),
        };
      });
      await saveModelFolder(modelDir, weights, { ...metadata, memory, songShapes: shapes, styles: savedStyles }, longTermModel);
      await saveOriginalityIndex(modelDir, originality);
    }
  }
  return { modelDir, validationSongs: songs.length, trainingSongs: trainingSongs.length, notes: evidence.notes, fit, fits, longTerm, shapes, styles: savedStyles, saved: options.dryRun !== true };
}

/**
 * The long-term model's conditioning slot: the meter tokens of the vocabulary (the events encoding's "<M:n/d>"; an
 * encoding without them gets no conditioning). Unconditioned, 6/8 tunes took the other meters' sixteenths (note-length
 * overlap 0.86 against 0.93 before the long-term model, 150 tunes); by meter, 0.94, and the European validation songs
 * score the same (2.638 with the grammar). Conditioning on the style as well (a slot before the meter) cost the small
 * styles their shared counts (French 2.50 -> 2.65 bits per note, all European songs 2.638 -> 2.654) and is not done.
 */
export function conditioningSlots(vocabulary: readonly string[]): number[][] {
  const meters = vocabulary.flatMap((token, id) => (token.startsWith('<M:') ? [id] : []));
  return meters.length > 0 ? [meters] : [];
}

/** A style's songs, shapes and validation figures (its songs' share of the memory evidence). */
function styleInfo(name: string, trainingSongs: readonly { melody: Melody }[], songStyles: readonly (string | undefined)[], evidence: MemoryEvidence, fit: MemoryFit): StyleInfo {
  const melodies = trainingSongs.filter((song) => song.melody.style === name).map((song) => song.melody);
  const shapes = songShapes(melodies);
  const minor = melodies.filter((melody) => melody.key.mode === 'minor').length;
  const notes = evidence.songNotes.reduce((sum, n, song) => sum + (songStyles[song] === name ? n : 0), 0);
  const ofStyle = (i: number): boolean => songStyles[evidence.song[i]!] === name;
  const bits = (memory: MemorySettings | undefined): number | null => (notes > 0 ? mixtureBits(evidence, memory, ofStyle) / notes : null);
  const definition = styleDefinition(name);
  return {
    name,
    description: definition?.description ?? name,
    sources: definition?.folders.map((run) => run.join('/')) ?? [],
    trainSongs: melodies.length,
    validationSongs: songStyles.filter((style) => style === name).length,
    usualMeter: Object.keys(shapes)[0] ?? '4/4',
    usualMode: minor * 2 > melodies.length ? 'minor' : 'major',
    shapes,
    ending: endingShape(melodies),
    validation: { bitsPerNote: bits(fit.settings), networkBitsPerNote: bits(undefined), notes },
  };
}

/** What calibration found and did, in a few lines. */
export function describeCalibration(c: Calibration): string[] {
  return [
    `${c.validationSongs} validation songs, ${c.notes} notes`,
    `network alone: ${c.fit.networkBitsPerNote.toFixed(3)} bits/note`,
    `with the memory, cross-fitted: ${c.fits.map((f) => `${KIND_NAMES[f.settings.kind]} ${f.crossFittedBitsPerNote.toFixed(3)}`).join(', ')} bits/note`,
    `saved: ${KIND_NAMES[c.fit.settings.kind]}, ${c.fit.fittedBitsPerNote.toFixed(3)} bits/note with the weights saved (fitted on all the songs)`,
    ...describeWeights(c.fit.settings),
    ...(c.longTerm === null
      ? []
      : [
          `with the long-term model too (grammar's tokens): ${c.longTerm.withoutBitsPerNote.toFixed(3)} -> ${c.longTerm.crossFittedBitsPerNote.toFixed(3)} bits/note cross-fitted ` +
            `(${c.longTerm.nodes} contexts, ${c.longTerm.entries} counts, ${(c.longTerm.bytes / 1e6).toFixed(1)} MB)`,
          `long-term weights by matched order 0..${c.longTerm.weights.length - 1}: ${c.longTerm.weights.map((w) => w.toFixed(2)).join(' ')}`,
        ]),
    `song shapes of ${c.trainingSongs} training songs: ${Object.entries(c.shapes)
      .slice(0, 6)
      .map(([meter, shape]) => `${meter} ${shape.songs} songs, ${Math.round(shape.minor * 100)}% minor, ${Math.round((1 - (shape.pickups['0'] ?? 0)) * 100)}% with a pickup`)
      .join('; ')}`,
    ...c.styles.map(
      (s) =>
        `style ${s.name}: ${s.trainSongs} training and ${s.validationSongs} validation songs, usually ${s.usualMeter} ${s.usualMode}, ` +
        `${Math.round(s.ending.endsOnTonic * 100)}% ending on the tonic, ${Math.round(s.ending.pentatonic * 100)}% pentatonic notes; ` +
        `${s.validation.bitsPerNote?.toFixed(3) ?? '-'} bits/note with the memory, ${s.validation.networkBitsPerNote?.toFixed(3) ?? '-'} alone` +
        (s.repeatedNotes === undefined
          ? ''
          : `; ${describeNoteFit('repeated notes', s.repeatedNotes)}`) +
        (s.offPentatonicNotes === undefined ? '' : `; ${describeNoteFit('notes off the pentatonic', s.offPentatonicNotes)}`) +
        (s.temperature === undefined
          ? ''
          : `; repetition ${f3(s.temperature.songs)} in its songs, ${f3(s.temperature.tunes)} in its tunes` +
            (s.temperature.factor === 1 ? ' (temperature as asked)' : `, ${f3(s.temperature.scaledTunes)} at temperature x${s.temperature.factor}`)) +
        Object.entries(s.noteLengths ?? {})
          .map(([meter, fit]) => `; ${meter} note lengths overlap its songs' ${f3(fit.overlap)}` + (Object.keys(fit.biases).length === 0 ? ' (no biases needed)' : `, ${f3(fit.biasedOverlap)} with biases`))
          .join(''),
    ),
    c.saved
      ? `saved in ${path.join(c.modelDir, 'folkbot-model.json')}, and the originality index of the ${c.trainingSongs} training songs in ${path.join(c.modelDir, ORIGINALITY_FILE)} (never commit it: it is derived from the corpus)`
      : '(dry run: nothing saved)',
  ];
}

const f3 = (value: number): string => value.toFixed(3);

function describeNoteFit(what: string, fit: NoteShareFit): string {
  return `${what} ${f3(fit.songs)} in its songs, ${f3(fit.tunes)} in its tunes` + (fit.bias === 0 ? ' (no bias needed)' : `, ${f3(fit.biasedTunes)} with a bias of ${fit.bias}`);
}

const MIN_VALIDATION_SONGS = 10;

const MEMORY_KINDS: readonly MemorySettings['kind'][] = ['short-term-linear-v1', 'short-term-linear-v2'];

const KIND_NAMES: Record<MemorySettings['kind'], string> = {
  'short-term-linear-v1': 'v1 (weight by matched order)',
  'short-term-linear-v2': 'v2 (by matched order and network entropy)',
};

function describeWeights(settings: MemorySettings): string[] {
  if (settings.kind === 'short-term-linear-v1') return [`weights by matched order 0..${settings.maxOrder}: ${settings.weights.map((w) => w.toFixed(2)).join(' ')}`];
  const edges = settings.entropyEdges;
  const buckets = edges.length === 0 ? ['all'] : [`<${edges[0]}`, ...edges.slice(1).map((e, b) => `${edges[b]}-${e}`), `>=${edges[edges.length - 1]}`];
  return [
    `weights by matched order (rows 0..${settings.maxOrder}) and network entropy in bits (${buckets.join(' ')}):`,
    ...settings.weights.map((row, k) => `  order ${k}: ${row.map((w) => w.toFixed(2)).join(' ')}`),
  ];
}

export const command: CliCommand = {
  name: 'calibrate',
  summary: "fit a model's within-song memory and its songs' shapes per meter, saved in the model folder",
  usage,
  async run(argv) {
    const v = parseOptions(argv, {
      model: { type: 'string' },
      data: { type: 'string' },
      'max-order': { type: 'string', default: '8' },
      'dry-run': { type: 'boolean', default: false },
      memory: { type: 'string', default: 'v1' },
      'long-term': { type: 'string', default: 'on' },
      json: { type: 'boolean', default: false },
    });
    if (v.model === undefined) throw new UsageError('--model DIR is required');
    if (v.data === undefined) throw new UsageError('--data DIR is required');
    const maxOrder = Number(v['max-order']);
    if (!Number.isInteger(maxOrder) || maxOrder < 1 || maxOrder > 32) throw new UsageError(`--max-order must be a whole number from 1 to 32, got "${v['max-order']}"`);
    if (v.memory !== 'v1' && v.memory !== 'v2') throw new UsageError(`--memory must be v1 or v2, got "${v.memory}"`);
    const memory = v.memory === 'v1' ? 'short-term-linear-v1' : 'short-term-linear-v2';
    if (v['long-term'] !== 'on' && v['long-term'] !== 'off') throw new UsageError(`--long-term must be on or off, got "${v['long-term']}"`);
    let result: Calibration;
    try {
      result = await calibrateModelFolder(path.resolve(v.model), path.resolve(v.data), { maxOrder, dryRun: v['dry-run'], memory, longTerm: v['long-term'] === 'on' });
    } catch (error) {
      if (error instanceof CalibrationError) throw new UsageError(error.message);
      throw error;
    }
    if (v.json) {
      const { fit, shapes, ...rest } = result;
      process.stdout.write(JSON.stringify({ ...rest, ...fit, songShapes: shapes }) + '\n');
    } else {
      process.stdout.write(describeCalibration(result).join('\n') + '\n');
    }
    return 0;
  },
};
