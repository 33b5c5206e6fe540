// The style classifier on the Essen collection: trained on the training songs of each style, its accuracy on the
// validation songs of each style (the project's split: isValidationSong(file, 0.1, 1234)).
//
//   npx tsx scripts/style-check.ts [--data ../shared/data/essen] [--families a,b,c] [--smoothing 0.1] [--prior uniform]
//   npx tsx scripts/style-check.ts --select     feature families chosen on an inner split of the training songs
import { parseArgs } from 'node:util';
import { isValidationSong, loadCorpus } from '../src/model/data/dataset.js';
import { styleOfSong } from '../src/model/data/styles.js';
import { balancedAccuracy, splitStyledSongs, styleAccuracy, styledSongs, trainOnSongs, type StyledSong } from '../src/model/scoring/style-check.js';
import { STYLE_FEATURE_FAMILIES, type StyleClassifierOptions, type StyleFeatureFamily, type StylePrior } from '../src/music/style-classifier.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/essen' },
    families: { type: 'string' },
    smoothing: { type: 'string' },
    prior: { type: 'string' },
    select: { type: 'boolean', default: false },
  },
});

const corpus = loadCorpus({ dataDir: values.data, filter: 'default' });
const songs = styledSongs(corpus.entries, styleOfSong);
const { train, validation } = splitStyledSongs(songs);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function evaluate(trainSongs: readonly StyledSong[], testSongs: readonly StyledSong[], options: StyleClassifierOptions) {
  const classifier = trainOnSongs(trainSongs, options);
  const accuracy = styleAccuracy(classifier, testSongs);
  const correct = accuracy.reduce((sum, entry) => sum + entry.correct, 0);
  return { accuracy, balanced: balancedAccuracy(accuracy), overall: correct / testSongs.length };
}

if (values.select) {
  // 5-fold cross-validation on the training songs (folds by the split hash with another seed), so that the
  // validation songs play no part in the choice.
  const FOLDS = 5;
  const folds = Array.from({ length: FOLDS }, (_, i) => {
    const inFold = (song: StyledSong): boolean => isValidationSong(song.file, (i + 1) / FOLDS, 99) && !isValidationSong(song.file, i / FOLDS, 99);
    return { train: train.filter((song) => !inFold(song)), validation: train.filter(inFold) };
  });
  const prior = (values.prior ?? 'uniform') as StylePrior;
  const score = (families: readonly StyleFeatureFamily[], smoothing: number): number => {
    const results = folds.map((fold) => evaluate(fold.train, fold.validation, { families, smoothing, prior }));
    const balanced = results.reduce((sum, result) => sum + result.balanced, 0) / FOLDS;
    const overall = results.reduce((sum, result) => sum + result.overall, 0) / FOLDS;
    console.log(`  ${families.join('+').padEnd(70)} k=${smoothing}  balanced ${pct(balanced)}  overall ${pct(overall)}`);
    return balanced;
  };
  // Greedy forward selection of feature families by balanced accuracy, then the smoothing constant. A family must
  // gain at least half a point to be taken: smaller gains are within the folds' noise (small styles have 20-40
  // songs per fold) and only make the classifier slower.
  const MIN_GAIN = 0.005;
  let chosen: StyleFeatureFamily[] = [];
  let best = 0;
  let smoothing = Number(values.smoothing ?? 0.1);
  for (;;) {
    let step: { family: StyleFeatureFamily; accuracy: number } | null = null;
    for (const family of STYLE_FEATURE_FAMILIES.filter((f) => !chosen.includes(f))) {
      const accuracy = score([...chosen, family], smoothing);
      if (accuracy > (step?.accuracy ?? best + MIN_GAIN)) step = { family, accuracy };
    }
    if (step === null) break;
    chosen = [...chosen, step.family];
    best = step.accuracy;
    console.log(`chosen: ${chosen.join('+')} (balanced ${pct(best)})`);
  }
  for (const k of [0.01, 0.03, 0.1, 0.3, 1]) {
    const accuracy = score(chosen, k);
    if (accuracy > best) {
      best = accuracy;
      smoothing = k;
    }
  }
  console.log(`selected by ${FOLDS}-fold cross-validation on the ${train.length} training songs: ${chosen.join(',')} k=${smoothing} prior=${prior} (balanced ${pct(best)})`);
} else {
  const options: StyleClassifierOptions = {
    ...(values.families !== undefined ? { families: values.families.split(',') as StyleFeatureFamily[] } : {}),
    ...(values.smoothing !== undefined ? { smoothing: Number(values.smoothing) } : {}),
    ...(values.prior !== undefined ? { prior: values.prior as StylePrior } : {}),
  };
  const started = performance.now();
  const result = evaluate(train, validation, options);
  console.log(`trained on ${train.length} songs, tested on ${validation.length} validation songs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const entry of result.accuracy) {
    const confused = entry.mostConfusedWith === null ? '' : `  (else mostly ${entry.mostConfusedWith.style}: ${entry.mostConfusedWith.songs})`;
    console.log(`${entry.style.padEnd(20)} ${String(entry.correct).padStart(4)}/${String(entry.songs).padEnd(4)} ${pct(entry.share).padStart(6)}${confused}`);
  }
  console.log(`balanced accuracy ${pct(result.balanced)}, overall ${pct(result.overall)}`);
}
