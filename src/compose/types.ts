// The compose request and result: what the CLI (`folkbot compose`) and the bot (`/compose`) both call.
import type { Meter, Mode } from '../music/types.js';

export interface ComposeOptions {
  /** Seed melody in kern-like syntax ("4c 8d 8e 4f 4g"); empty for none. */
  readonly seed: string;
  /** Tune length in complete bars (seed included). */
  readonly bars: number;
  readonly meter: Meter;
  /** Tonic as a kern-like pitch name: C, G, F#, B-, Bb, ...; undefined: the seed's own (estimated) key, else C. */
  readonly key?: string;
  /** undefined: the seed's own mode (estimated), else major. */
  readonly mode?: Mode;
  /**
   * The seed is written in `key` already (a tune's own notes, as the bot's Continue and Variation give): it is not
   * moved, whatever key its notes suggest (a key estimate can differ from the key a tune was composed in, more often
   * for a pentatonic style). Ignored without a key.
   */
  readonly seedInKey?: boolean;
  readonly temperature: number;
  /** Seed of the random generator; the same options and random seed give the same tune. */
  readonly randomSeed: number;
  /** Beats per minute (quarter notes). */
  readonly tempo: number;
  /** General MIDI instrument name or program number as text ("flute", "73"). */
  readonly instrument: string;
  readonly title?: string;
  /**
   * Chords under the melody: 'none'; 'chords', chord symbols on the score and in the kern (and ABC); 'full',
   * the symbols and an accompaniment part (bass and chords) in the MIDI and the audio. undefined: the default,
   * DEFAULT_ACCOMPANIMENT (resolveComposeOptions fills it in).
   */
  readonly accompaniment?: Accompaniment;
  /**
   * The style to compose in, for a model with styles (Composer.styles); undefined: the model's first style
   * (german). A model without styles takes none. Without a meter (or, for a tune without a seed, a mode), the
   * style's usual one is used: see ComposeResult.style.
   */
  readonly style?: string;
}

/** The style a tune was composed in, and which defaults it gave. */
export interface ComposedStyle {
  readonly name: string;
  readonly description: string;
  /** The request gave no meter: the style's usual meter was taken. */
  readonly meterFromStyle: boolean;
  /** The request gave no mode and no seed: the mode was drawn from the style's songs in the meter... */
  readonly modeFromStyle: boolean;
  /** ...of which this share is in minor (null when the style has no songs in the meter). */
  readonly minorShare: number | null;
  /**
   * The style's own rules that shaped this tune, one sentence each, for the reply (e.g. "it ends on the fifth
   * (zhi), as 47% of the style's songs do"); empty when the style follows folkbot's usual rules.
   */
  readonly rules: readonly string[];
}

export type Accompaniment = 'none' | 'chords' | 'full';

/** A chord of the tune's harmonisation, in quarter notes from the start. */
export interface ComposedChord {
  /** Chord symbol spelt for the key: 'G', 'Em', 'D7'. */
  readonly symbol: string;
  /** Roman numeral in the key: 'I', 'V7', 'ii'. */
  readonly numeral: string;
  readonly onset: number;
  readonly duration: number;
}

export interface ComposedNote {
  readonly pitch: number | null; // null for a rest
  /** In quarter notes from the start. */
  readonly onset: number;
  readonly duration: number;
}

export interface ComposeFiles {
  readonly midi: Uint8Array;
  readonly kern: string;
  /** The tune in ABC notation (tune.abc). */
  readonly abc: string;
  /** The tune as MusicXML 4.0, score-partwise, uncompressed (tune.musicxml). */
  readonly musicxml: string;
  readonly png: Uint8Array;
  readonly audio: Uint8Array;
  /** The audio file's extension: 'mp3', or 'ogg' for Ogg Opus. */
  readonly audioFormat: 'mp3' | 'ogg';
}

/** The longest passage a tune shares with a song the model was trained on (src/music/originality.ts). */
export interface OriginalityReport {
  /** False when the model folder has no originality index (`folkbot calibrate` builds it from the corpus). */
  readonly checked: boolean;
  /** The passage, when one of at least 5 notes was found. */
  readonly passage: {
    readonly notes: number;
    readonly firstBar: number;
    readonly lastBar: number;
    readonly bars: number;
    readonly song: { readonly title: string; readonly file: string };
  } | null;
  /** A sentence for the user when the passage covers about four bars or more, else null. */
  readonly note: string | null;
  /**
   * How many times the tune was drawn again because it copied four bars or more of a training song beyond the seed,
   * or was mostly copies of its own bars (absent: never); the passage is then the least copying draw's.
   */
  readonly redraws?: number;
}

export interface ComposeResult {
  readonly options: ComposeOptions;
  /** The key the tune is in, e.g. { name: 'G major', tonic: 'G', mode: 'major' }. */
  readonly key: { readonly name: string; readonly tonic: string; readonly mode: Mode };
  readonly meter: Meter;
  readonly bars: number;
  /**
   * Length of the pickup (anacrusis) before the first full bar, in quarter notes: 0 for none. A seed whose first
   * bar line comes before a whole bar makes one (without a seed, the tune may draw one, as the model's songs of the
   * meter have); `bars` bars follow it, the last one short by the pickup.
   */
  readonly pickup: number;
  readonly notes: readonly ComposedNote[];
  /** Where the chord changes (empty with accompaniment 'none'); none in a pickup. */
  readonly chords: readonly ComposedChord[];
  readonly files: ComposeFiles;
  readonly model: { readonly name: string; readonly backend: string };
  readonly originality: OriginalityReport;
  /** The style, for a model with styles; null for one without. */
  readonly style: ComposedStyle | null;
  /** Milliseconds per stage: generate, kern, midi, abc, musicxml, png, audio, total. */
  readonly timings: Readonly<Record<string, number>>;
}
