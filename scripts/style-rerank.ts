// A measurement for issue 11's open goal (the style check): would the style classifier hear the tunes as their style
// more often if compose drew K tunes and kept the one the network itself finds most typical of the style? Per
// style, `--tunes N` requests (compose's defaults in that style, random seeds from 1): the classifier's share for
// the first draw (what compose does today) and for the draw of K with the highest posterior of the asked style,
// p(style | tune) from log p(tune's tokens | style) under each style (one batch, a row per style) and a uniform
// prior. Not used by compose: it costs K compositions and K scorings a tune.
//
//   npx tsx scripts/style-rerank.ts [--model models/default] [--data ../shared/data/essen] [--k 4] [--tunes 100] [--styles alpine,children]
//
// The classifier is the style check's (src/model/scoring/style-check.ts), trained on the training songs of the split.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Composer } from '../src/compose/composer.js';
import { loadCorpus } from '../src/model/data/dataset.js';
import { createEncoding } from '../src/model/encodings/index.js';
import { featureTracker, inputRows, songInputRows } from '../src/model/encodings/input-features.js';
import { loadModelFolder } from '../src/model/folder/model-folder.js';
import { initBackend } from '../src/model/network/backend.js';
import { LstmNetwork, type TokenBatch } from '../src/model/network/lstm-network.js';
import { splitStyledSongs, styledSongs, trainOnSongs } from '../src/model/scoring/style-check.js';
import type { Melody } from '../src/music/types.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    data: { type: 'string', default: '../shared/data/essen' },
    k: { type: 'string', default: '4' },
    tunes: { type: 'string', default: '100' },
    styles: { type: 'string' },
  },
});
const K = Math.max(1, Math.floor(Number(values.k)));
const tunes = Math.max(1, Math.floor(Number(values.tunes)));
await initBackend('wasm');
const loaded = await loadModelFolder(values.model);
const encoding = createEncoding(loaded.metadata.encoding);
const styles = encoding.styles ?? [];
if (styles.length === 0) throw new Error(`${values.model} composes in no styles`);
const network = LstmNetwork.fromWeights(loaded.weights);
const rowsSpec = network.config.inputFeatures ? inputRows(network.config, featureTracker(encoding, network.config)) : null;
const corpus = loadCorpus({ dataDir: path.resolve(values.data), filter: 'default' });
const classifier = trainOnSongs(splitStyledSongs(styledSongs(corpus.entries)).train);
const composer = await Composer.open(values.model, { render: false });

/** log p(tokens | style) of `melody` under every style, or null when its tokens cannot be written (see below). */
function styleLogLikelihoods(melody: Melody): number[] | null {
  let sequences: Int32Array[];
  try {
    sequences = styles.map((style) => encoding.encode({ ...melody, style }));
  } catch {
    // A note of the finished tune that no token holds (the composer's closing touches): the draw is not ranked.
    return null;
  }
  const rows = styles.length;
  const steps = Math.min(...sequences.map((tokens) => tokens.length)) - 1;
  const n = rows * steps;
  const width = rowsSpec?.width ?? 1;
  const batch: TokenBatch = {
    rows,
    steps,
    inputs: new Int32Array(n),
    targets: new Int32Array(n),
    weights: new Float32Array(n).fill(1),
    resets: new Uint8Array(n),
    ...(rowsSpec ? { inputRows: new Int32Array(n * width) } : {}),
  };
  sequences.forEach((tokens, r) => {
    const songRows = rowsSpec ? songInputRows(rowsSpec, tokens) : null;
    for (let t = 0; t < steps; t++) {
      batch.inputs[t * rows + r] = tokens[t]!;
      batch.targets[t * rows + r] = tokens[t + 1]!;
      if (songRows && batch.inputRows) for (let a = 0; a < width; a++) batch.inputRows[(t * rows + r) * width + a] = songRows[t * width + a]!;
    }
  });
  const carry = network.zeroCarry(rows);
  const result = network.evaluate(batch, carry);
  const logProbs = result.targetLogProbs.dataSync();
  const sums = styles.map((_, r) => {
    let sum = 0;
    for (let t = 0; t < steps; t++) sum += logProbs[t * rows + r]!;
    return sum;
  });
  for (const tensor of [result.targetLogProbs, result.correct, ...carry.h, ...carry.c, ...result.carry.h, ...result.carry.c]) tensor.dispose();
  return sums;
}

const only = values.styles?.split(',');
console.log(`style\tfirst draw\tbest of ${K}\tdraws not ranked\tms a request`);
for (const style of styles) {
  if (only && !only.includes(style)) continue;
  const index = styles.indexOf(style);
  let first = 0;
  let reranked = 0;
  let unranked = 0;
  const started = performance.now();
  for (let i = 0; i < tunes; i++) {
    const draws = Array.from({ length: K }, (_, j) => composer.composeMelody({ style, randomSeed: 1 + i * K + j }).melody);
    if (classifier.classify(draws[0]!).style === style) first++;
    let best = 0;
    let bestPosterior = -Infinity;
    draws.forEach((melody, j) => {
      const ll = styleLogLikelihoods(melody);
      if (!ll) {
        unranked++;
        return;
      }
      const max = Math.max(...ll);
      const posterior = ll[index]! - max - Math.log(ll.reduce((sum, x) => sum + Math.exp(x - max), 0));
      if (posterior > bestPosterior) {
        bestPosterior = posterior;
        best = j;
      }
    });
    if (classifier.classify(draws[best]!).style === style) reranked++;
  }
  const ms = (performance.now() - started) / tunes;
  console.log(`${style}\t${(first / tunes).toFixed(2)}\t${(reranked / tunes).toFixed(2)}\t${unranked}\t${ms.toFixed(0)}`);
}
composer.dispose();
network.dispose();
