// The style check of the multi-style model: a naive Bayes style classifier (src/music/style-classifier.ts) trained
// on the training songs of each style, its accuracy on the validation songs of each style, and the share of
// generated tunes of a style that it hears as that style.
import { trainStyleClassifier, type StyleClassifier, type StyleClassifierOptions, type StyleExample } from '../../music/style-classifier.js';
import type { Melody } from '../../music/types.js';
import type { CorpusEntry } from '../data/dataset.js';
import { isValidationSong } from '../data/dataset.js';
import { styleOfSong } from '../data/styles.js';

export interface StyledSong {
  readonly file: string;
  readonly melody: Melody;
  readonly style: string;
}

/** How often the classifier says `style` for songs of that style, and what it says instead most often. */
export interface StyleAccuracy {
  readonly style: string;
  readonly songs: number;
  /** Songs assigned to their own style. */
  readonly correct: number;
  /** correct / songs (0 without songs). */
  readonly share: number;
  /** The style other than its own assigned most often, with how many songs (null when none is). */
  readonly mostConfusedWith: { readonly style: string; readonly songs: number } | null;
}

/**
 * The corpus's kept songs with a style (styleOf, by default the styles of src/model/data/styles.ts, gives null for
 * songs of no style: they are left out).
 */
export function styledSongs(entries: readonly CorpusEntry[], styleOf: (file: string, region: string | undefined) => string | null = styleOfSong): StyledSong[] {
  const songs: StyledSong[] = [];
  for (const entry of entries) {
    if (!('melody' in entry)) continue;
    const style = styleOf(entry.file, entry.melody.region);
    if (style !== null) songs.push({ file: entry.file, melody: entry.melody, style });
  }
  return songs;
}

/** Songs split by the project's split (isValidationSong on the file name). */
export function splitStyledSongs(songs: readonly StyledSong[], fraction = 0.1, seed = 1234): { train: StyledSong[]; validation: StyledSong[] } {
  const train: StyledSong[] = [];
  const validation: StyledSong[] = [];
  for (const song of songs) (isValidationSong(song.file, fraction, seed) ? validation : train).push(song);
  return { train, validation };
}

export function trainOnSongs(songs: readonly StyledSong[], options?: StyleClassifierOptions): StyleClassifier {
  return trainStyleClassifier(songs.map((song): StyleExample => ({ melody: song.melody, style: song.style })), options);
}

/** Per style (the classifier's, in its order): how many of `examples` of that style it assigns to it. */
export function styleAccuracy(classifier: StyleClassifier, examples: readonly StyleExample[]): StyleAccuracy[] {
  const assigned = new Map<string, Map<string, number>>(classifier.styles.map((style) => [style, new Map<string, number>()]));
  for (const { melody, style } of examples) {
    const row = assigned.get(style) ?? new Map<string, number>();
    const said = classifier.classify(melody).style;
    row.set(said, (row.get(said) ?? 0) + 1);
    assigned.set(style, row);
  }
  return [...assigned].map(([style, row]) => {
    const songs = [...row.values()].reduce((a, b) => a + b, 0);
    const correct = row.get(style) ?? 0;
    const wrong = [...row].filter(([other]) => other !== style).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    return { style, songs, correct, share: songs === 0 ? 0 : correct / songs, mostConfusedWith: wrong === undefined ? null : { style: wrong[0], songs: wrong[1] } };
  });
}

/** The mean of the per-style shares (each style counts once, whatever its size), over styles with songs. */
export function balancedAccuracy(accuracy: readonly StyleAccuracy[]): number {
  const present = accuracy.filter((entry) => entry.songs > 0);
  return present.length === 0 ? 0 : present.reduce((sum, entry) => sum + entry.share, 0) / present.length;
}

/**
 * The classifier of the style check: trained on the songs with a style on the training side of the split (the
 * model's: `fraction`, `seed`), so that it is tested on songs it has not seen.
 */
export function trainStyleCheck(entries: readonly CorpusEntry[], fraction: number, seed: number, options?: StyleClassifierOptions): { classifier: StyleClassifier; trainSongs: number } {
  const { train } = splitStyledSongs(styledSongs(entries), fraction, seed);
  return { classifier: trainOnSongs(train, options), trainSongs: train.length };
}
