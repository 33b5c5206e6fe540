// The styles a multi-style model learns, defined from the Essen collection's folder layout (and, for the mixed
// `europa/misc` folder, its `!!!ARE` region records). Each style is a tradition or genre with enough songs to learn
// from; the model puts the style's token in front of every song (events.ts), and the composer asks for one.
//
// Folder counts (songs in the collection as distributed; the model folder records how many were kept):
//   german             deutschl/* except kinder and ballad     ~4,030   (Erk, Böhme, Zuccalmaglio, Fink, ...)
//   children           deutschl/kinder                           189
//   ballad             deutschl/ballad                           623
//   alpine             schweiz, oesterrh, tirol (+ Steiermark, Swiss valleys in misc)  ~230
//   french             elsass, lothring, france                  176
//   central-east       czech, magyar, polska, jugoslav, romania,
//                      rossiya, ukraina (+ Greek, Jewish in misc) ~310
//   northern           nederlan, luxembrg, danmark, sverige,
//                      england (+ Flemish, Nordic, Irish in misc) ~140
//   chinese-han        asia/china/han, xinhua                  1,233
//   chinese-shanxi     asia/china/shanxi                         802
//   chinese-minorities asia/china/natmin                         206
// Songs outside these (italia, asia/misc, the Americas, Africa) have no style and are left out of a style model.

export interface StyleDefinition {
  readonly name: string;
  /** One line for users: what the style is and where its songs come from. */
  readonly description: string;
  /** Folder paths (sequences of folder names) whose songs belong to the style. */
  readonly folders: readonly (readonly string[])[];
  /** For songs in a `misc` folder: `!!!ARE` region records that place a song in the style. */
  readonly regions?: RegExp;
}

export const STYLES: readonly StyleDefinition[] = [
  {
    name: 'german',
    description: 'German folk songs (Erk, Böhme, Zuccalmaglio and other collections)',
    folders: ['allerkbd', 'altdeu1', 'altdeu2', 'boehme', 'dva', 'erk', 'fink', 'test', 'variant', 'zuccal'].map((folder) => ['deutschl', folder]),
  },
  { name: 'children', description: "German children's songs (Kinderlieder)", folders: [['deutschl', 'kinder']] },
  { name: 'ballad', description: 'German ballads', folders: [['deutschl', 'ballad']] },
  {
    name: 'alpine',
    description: 'Swiss, Austrian and Tyrolean songs',
    folders: [['schweiz'], ['oesterrh'], ['tirol']],
    regions: /Steiermark|Appenzell|Emmenthal|Entlebu|Oberhasli|Siebethal/i,
  },
  { name: 'french', description: 'Songs from Alsace, Lorraine and France', folders: [['elsass'], ['lothring'], ['france']] },
  {
    name: 'central-east',
    description: 'Czech, Hungarian, Polish, Yugoslav, Romanian, Russian and Ukrainian songs',
    folders: [['czech'], ['magyar'], ['polska'], ['jugoslav'], ['romania'], ['rossiya'], ['ukraina']],
    regions: /Osteuropa/i,
  },
  {
    name: 'northern',
    description: 'Dutch, Flemish, Luxembourgish, Scandinavian, English and Irish songs',
    folders: [['nederlan'], ['luxembrg'], ['danmark'], ['sverige'], ['england']],
    regions: /Nordeuropa|Island|Belgien|Brabant|Flamen|flaemisch|Ireland/i,
  },
  {
    name: 'chinese-han',
    description: 'Han Chinese folk songs, largely pentatonic',
    folders: [['china', 'han'], ['china', 'xinhua']],
  },
  { name: 'chinese-shanxi', description: 'Folk songs from Shanxi province, China', folders: [['china', 'shanxi']] },
  { name: 'chinese-minorities', description: "Songs of China's national minorities (Mongolian and others)", folders: [['china', 'natmin']] },
];

export const STYLE_NAMES: readonly string[] = STYLES.map((style) => style.name);

/** Orders style names as STYLES lists them (german first: the default style), unknown ones after, by name. */
export function compareStyleNames(a: string, b: string): number {
  const rank = (name: string): number => (STYLE_NAMES.includes(name) ? STYLE_NAMES.indexOf(name) : STYLE_NAMES.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

export function styleDefinition(name: string): StyleDefinition | undefined {
  return STYLES.find((style) => style.name === name);
}

function containsRun(segments: readonly string[], run: readonly string[]): boolean {
  for (let start = 0; start + run.length <= segments.length; start++) {
    if (run.every((name, k) => segments[start + k] === name)) return true;
  }
  return false;
}

/**
 * The style of a song file (its path relative to any folder of the collection: `europa/deutschl/kinder/k001.krn`
 * and `deutschl/kinder/k001.krn` give the same) and its `!!!ARE` record, or null when it belongs to none.
 */
export function styleOfSong(relativePath: string, region?: string): string | null {
  const segments = relativePath.split(/[\\/]/).slice(0, -1);
  for (const style of STYLES) if (style.folders.some((run) => containsRun(segments, run))) return style.name;
  const outsideEurope = segments.some((name) => name === 'asia' || name === 'america' || name === 'africa');
  if (segments[segments.length - 1] === 'misc' && !outsideEurope && region !== undefined) {
    for (const style of STYLES) if (style.regions?.test(region)) return style.name;
  }
  return null;
}
