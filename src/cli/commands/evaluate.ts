// `folkbot evaluate`: how well one or more trained models predict the songs of a folder (by default the
// validation songs, chosen by the same hash as training): bits per note, bits per token and next-token accuracy,
// and bits per note with the grammar (the masked, renormalized distribution generation samples from).
// With several models, only the songs every model's encoding can represent are scored, so the figures compare.
import path from 'node:path';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { isValidationSong, loadLabelledCorpus, rejectCategory, RejectionTally, type CorpusFilter } from '../../model/data/dataset.js';
import { evaluateSongs, lstmScoringModel, type EvaluationResult } from '../../model/scoring/evaluate.js';
import { loadGenerator } from '../../model/generation/generator.js';
import { loadModelFolder, modelNameFromFolder, modelNameProblem } from '../../model/folder/model-folder.js';
import type { Melody } from '../../music/types.js';
import { trainStyleCheck } from '../../model/scoring/style-check.js';
import { formatQualityReports, QUALITY_METERS, qualityReports } from './evaluate-quality.js';
import { COMPOSE_LIMITS } from '../../compose/compose-options.js';

const TEMPERATURE = COMPOSE_LIMITS.temperature;

const usage = `Usage: folkbot evaluate --model DIR --data DIR [options]

Scores a trained model on the **kern songs under a folder: bits per note (total -log2 p over every note, rest,
barline and end token of each song, divided by its notes and rests: comparable across encodings), bits per token
and next-token accuracy. "grammar bits/note" is the same figure under the distribution generation actually
samples from: each song replayed through the encoding's sampling grammar (its meter, mode, pickup and bar count),
every token's probability renormalized over the tokens the grammar allows there. Songs the grammar cannot
replay (a meter change, free meter, an incomplete last bar, a token it forbids) count their plain bits and are
counted as "grammar fallbacks".

Options:
  --model DIR             model folder (repeat to compare models on the songs all of them can encode) (required)
  --name NAME             the row's name for the --model in the same place (repeatable; default: the name the
                          model was saved with, or its folder's name where two rows would share one)
  --data DIR              folder of .krn files, searched recursively (required)
  --split NAME            validation (the songs training held out: same hash, fraction and seed) | all
                          (default: validation)
  --filter NAME           default | reference: the corpus filter (default: the first model's, else default)
  --validation-fraction X the held-out share used in training (default: the model's, else 0.1)
  --seed N                the split seed used in training (default: the model's, else 1234)
  --generate N            also the tune-quality report: N tunes per common meter (${QUALITY_METERS.join(', ')}) with
                          compose's default options (random seeds 1..N), against the songs of the split of that
                          meter: pitch-class, interval and note-length histogram overlap (1 = the same mix),
                          repetition (share of 5-note interval patterns heard again in the tune), the longest run
                          of identical bars, notes per bar, the final note and the tonic ending.
                          A multi-style model: N tunes per style in the meters of the style's songs of the split
                          (as they share them out), against those songs, with the share of pentatonic notes and
                          the style check: how often a naive Bayes style classifier, trained on the songs of the
                          training side, hears the tunes and the real songs as the style; and the per-meter report
                          of its default style against that style's songs
  --temperature T         with --generate: compose the tunes at this temperature (${TEMPERATURE.min}-${TEMPERATURE.max}) instead of
                          compose's default (${TEMPERATURE.default}), as a user asking for wilder or tamer tunes gets them
  --json                  print one JSON object instead of a table
  --no-cache              parse the songs afresh instead of using (and filling) runs/.cache/

Scoring runs the network in plain JavaScript (the same inference as generation): no TensorFlow.js backend needed.`;

interface EvaluatedModel extends EvaluationResult {
  readonly model: string;
  readonly name: string;
  /** Scored with the model's within-song memory. */
  readonly memory: boolean;
}

function hyperparameter(values: Readonly<Record<string, unknown>>, keys: readonly string[]): unknown {
  for (const key of keys) if (values[key] !== undefined) return values[key];
  return undefined;
}

function parseFilter(text: string): CorpusFilter {
  if (text !== 'default' && text !== 'reference') throw new UsageError(`--filter must be default or reference, got "${text}"`);
  return text;
}

/**
 * The row names: the --name given for a model, else its saved name; where saved names repeat (every model trained
 * before names came from folders was called after its preset), the folder's name, then the path if that repeats.
 */
export function evaluationNames(saved: readonly string[], dirs: readonly string[], given: readonly string[]): string[] {
  const first = saved.map((name, i) => given[i] ?? name);
  const count = (list: readonly string[], name: string): number => list.filter((n) => n === name).length;
  const second = first.map((name, i) => (given[i] === undefined && count(first, name) > 1 ? modelNameFromFolder(dirs[i]!) : name));
  return second.map((name, i) => (given[i] === undefined && count(second, name) > 1 ? dirs[i]! : name));
}

function format(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

export const command: CliCommand = {
  name: 'evaluate',
  summary: 'bits per note and accuracy of trained models on a folder of **kern songs',
  usage,
  async run(argv) {
    const v = parseOptions(argv, {
      model: { type: 'string', multiple: true },
      name: { type: 'string', multiple: true },
      data: { type: 'string' },
      split: { type: 'string', default: 'validation' },
      filter: { type: 'string' },
      'validation-fraction': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      generate: { type: 'string' },
      temperature: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
    });
    const modelDirs = (v.model ?? []).map((dir) => path.resolve(dir));
    if (modelDirs.length === 0) throw new UsageError('--model DIR is required');
    if (v.data === undefined) throw new UsageError('--data DIR is required');
    if (v.split !== 'validation' && v.split !== 'all') throw new UsageError(`--split must be validation or all, got "${v.split}"`);
    const split = v.split;
    const tunesPerMeter = v.generate === undefined ? 0 : Number(v.generate);
    if (!Number.isInteger(tunesPerMeter) || tunesPerMeter < 0 || tunesPerMeter > 10_000) {
      throw new UsageError(`--generate must be a whole number of tunes per meter from 1 to 10000, got "${v.generate}"`);
    }
    const temperature = v.temperature === undefined ? undefined : Number(v.temperature);
    if (temperature !== undefined) {
      if (tunesPerMeter === 0) throw new UsageError('--temperature is for the tunes of --generate N: give --generate too');
      if (v.temperature!.trim() === '' || !Number.isFinite(temperature) || temperature < TEMPERATURE.min || temperature > TEMPERATURE.max) {
        throw new UsageError(`--temperature must be a number from ${TEMPERATURE.min} to ${TEMPERATURE.max}, got "${v.temperature}"`);
      }
    }
    const names = v.name ?? [];
    if (names.length > modelDirs.length) throw new UsageError(`${names.length} --name for ${modelDirs.length} --model: give at most one name per model, in the same order`);
    for (const name of names) {
      const problem = modelNameProblem(name);
      if (problem !== null) throw new UsageError(`--name: ${problem}`);
    }

    const generators = [];
    for (const dir of modelDirs) generators.push(await loadGenerator(dir));
    const hyperparameters = (await loadModelFolder(modelDirs[0]!)).metadata.hyperparameters;
    const filter = parseFilter(v.filter ?? String(hyperparameter(hyperparameters, ['corpusFilter', 'filter']) ?? 'default'));
    const fractionText = v['validation-fraction'] ?? String(hyperparameter(hyperparameters, ['validationFraction']) ?? 0.1);
    const fraction = Number(fractionText);
    if (!(fraction > 0 && fraction < 1)) throw new UsageError(`--validation-fraction must be between 0 and 1, got "${fractionText}"`);
    const seedText = v.seed ?? String(hyperparameter(hyperparameters, ['splitSeed', 'validationSeed']) ?? 1234);
    const seed = Number(seedText);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${seedText}"`);

    const dataDir = path.resolve(v.data);
    const corpus = loadLabelledCorpus({ dataDir, filter, ...(v['no-cache'] ? { cacheDir: null } : {}) });
    const inSplit: { file: string; melody: Melody }[] = [];
    // The songs outside the split (none with --split all): the tune-quality report's training rows.
    const training: Melody[] = [];
    for (const entry of corpus.entries) {
      if (!('melody' in entry)) continue;
      if (split === 'all' || isValidationSong(entry.file, fraction, seed)) inSplit.push(entry);
      else training.push(entry.melody);
    }

    const encodings = generators.map((generator) => generator.encoding);
    // Songs any model cannot encode are left out for all, so that the models are scored on the same songs.
    const skipped = new RejectionTally();
    const common: Melody[] = [];
    for (const { melody } of inSplit) {
      let rejected = false;
      const seen = new Set<string>();
      for (const encoding of encodings) {
        const reason = encoding.reject(melody);
        if (reason === null) continue;
        rejected = true;
        // Two models with the same encoding count a song once.
        const prefix = `${encoding.config.name} `;
        if (seen.has(prefix + rejectCategory(reason))) continue;
        seen.add(prefix + rejectCategory(reason));
        skipped.add(reason, prefix);
      }
      if (!rejected) common.push(melody);
    }
    const skippedReasons = skipped.summary();

    const rowNames = evaluationNames(generators.map((generator) => generator.info.name), modelDirs, names);
    // A model with a within-song memory is scored with it (as it generates) and, on the next row, without.
    const results: EvaluatedModel[] = generators.flatMap((generator, index) => {
      const row = (name: string, memory: boolean): EvaluatedModel => ({
        model: modelDirs[index]!,
        name,
        memory,
        ...evaluateSongs(lstmScoringModel(generator.encoding, generator.weights, memory ? generator.memorySettings : undefined, memory ? generator.longTerm : undefined), common, { grammar: true }),
      });
      const name = rowNames[index]!;
      return generator.memorySettings === undefined ? [row(name, false)] : [row(name, true), row(`${name} (network alone)`, false)];
    });
    // The style check's classifier, for multi-style models: trained on the training side of the split.
    const styleCheck = tunesPerMeter > 0 && generators.some((generator) => generator.info.styles.length > 0) ? trainStyleCheck(corpus.entries, fraction, seed) : null;
    const quality = tunesPerMeter > 0 ? await qualityReports(modelDirs, rowNames, inSplit.map((entry) => entry.melody), tunesPerMeter, styleCheck?.classifier ?? null, training, temperature) : undefined;

    const report = {
      dataDir,
      split,
      filter,
      validationFraction: fraction,
      seed,
      songsInSplit: inSplit.length,
      songsScored: common.length,
      skippedReasons,
      results,
      ...(quality ? { quality, ...(temperature !== undefined ? { temperature } : {}) } : {}),
      ...(styleCheck ? { styleCheck: { trainSongs: styleCheck.trainSongs, ...styleCheck.classifier.options } } : {}),
    };
    if (v.json) {
      process.stdout.write(JSON.stringify(report) + '\n');
      return 0;
    }
    const lines = [
      `Data: ${dataDir} (${split === 'validation' ? `validation split: fraction ${fraction}, seed ${seed}` : 'all songs'}; filter ${filter})`,
      `Songs: ${inSplit.length} in the split, ${common.length} scored` +
        (common.length < inSplit.length ? `; left out: ${Object.entries(skippedReasons).map(([r, n]) => `${n} ${r}`).join('; ')}` : ''),
      '',
      ['model', 'encoding', 'bits/note', 'grammar bits/note', 'bits/token', 'accuracy', 'notes', 'tokens', 'grammar fallbacks'].join('\t'),
      ...results.map((r) =>
        [
          r.name,
          r.encoding,
          format(r.bitsPerNote, 3),
          format(r.grammarBitsPerNote, 3),
          format(r.bitsPerToken, 3),
          format(r.accuracy, 3),
          r.notes,
          r.tokens,
          r.grammarFallbackSongs ?? '-',
        ].join('\t'),
      ),
      ...results.flatMap((r) => {
        const lines: string[] = [];
        const reasons = Object.entries(r.grammarFallbackReasons ?? {});
        if (reasons.length > 0) {
          lines.push(`${r.name}: grammar fallbacks (scored without the grammar): ${reasons.map(([reason, n]) => `${n} ${reason}`).join('; ')}`);
        }
        const replayed = r.grammarReplayed;
        if (replayed !== null && replayed.notes > 0) {
          lines.push(
            `${r.name}: on the ${replayed.songs} songs the grammar replays (${replayed.notes} notes): ` +
              `${format(replayed.bits / replayed.notes, 3)} bits/note plain, ${format(replayed.grammarBits / replayed.notes, 3)} with the grammar`,
          );
        }
        return lines;
      }),
    ];
    lines.push(...styleTable(results));
    if (quality) lines.push('', ...(temperature !== undefined ? [`Tunes composed at temperature ${temperature} (compose's default: ${TEMPERATURE.default}).`] : []), ...formatQualityReports(quality));
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

/** Bits per note by style (the songs that carry one), a column per model row; nothing when no song has a style. */
function styleTable(results: readonly EvaluatedModel[]): string[] {
  const styles = [...new Set(results.flatMap((r) => Object.keys(r.byStyle)))].sort();
  if (styles.length === 0) return [];
  const figure = (r: EvaluatedModel, style: string): string => {
    const f = r.byStyle[style];
    if (f === undefined || f.notes === 0) return '-';
    return format((f.grammarBits ?? f.bits) / f.notes, 3);
  };
  return [
    '',
    'Bits per note by style (with the grammar):',
    ['style', 'songs', ...results.map((r) => r.name)].join('\t'),
    ...styles.map((style) => [style, results[0]?.byStyle[style]?.songs ?? 0, ...results.map((r) => figure(r, style))].join('\t')),
  ];
}
