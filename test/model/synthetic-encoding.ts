// A tiny stand-in Encoding over synthetic token sequences, so the engine can be tested without the corpus:
// token 0 = start, 1..notes = a note each, last = end. Sampling allows only the tokens in `allowedNotes`, and
// ends after `bars * 4` notes.
import type { DecodedTune, Encoding, EncodingConfig, SamplingRequest, SamplingState } from '../../src/model/encodings/encoding.js';
import type { Melody, MelodyEvent } from '../../src/music/types.js';

export function syntheticEncoding(notes: number, allowedNotes?: readonly number[]): Encoding {
  const vocabulary = ['<start>', ...Array.from({ length: notes }, (_, k) => `n${k}`), '<end>'];
  const end = vocabulary.length - 1;
  const config: EncodingConfig = { name: 'events', vocabulary, options: { synthetic: true } };
  const toEvents = (tokens: ArrayLike<number>): MelodyEvent[] => {
    const events: MelodyEvent[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as number;
      if (t >= 1 && t < end) events.push({ kind: 'note', pitch: 59 + t, onset: events.length * 960, duration: 960 });
    }
    return events;
  };
  return {
    config,
    vocabularySize: vocabulary.length,
    reject: (_melody: Melody) => null,
    encode: () => {
      throw new Error('the synthetic encoding does not encode melodies');
    },
    decode: (tokens): DecodedTune => ({ events: toEvents(tokens), meter: null, mode: null }),
    scoredPositions: (tokens) => ({
      positions: Int32Array.from({ length: Math.max(tokens.length - 1, 0) }, (_, k) => k + 1),
      notes: Math.max(tokens.length - 2, 1),
    }),
    startSampling: (request: SamplingRequest): SamplingState => {
      const tokens: number[] = [0];
      let done = false;
      const limit = request.bars * 4;
      return {
        prefix: Int32Array.of(0),
        allowed: () => {
          const mask = new Uint8Array(vocabulary.length);
          if (tokens.length - 1 >= limit) mask[end] = 1;
          else for (let t = 1; t < end; t++) mask[t] = allowedNotes === undefined || allowedNotes.includes(t) ? 1 : 0;
          return mask;
        },
        push: (token) => {
          tokens.push(token);
          if (token === end) done = true;
        },
        get done() {
          return done;
        },
        events: () => toEvents(tokens),
      };
    },
  };
}

/** Songs of the repeating pattern start, 1, 2, ..., k, 1, 2, ... with random lengths, ending with the end token. */
export function cyclicSongs(count: number, notes: number, seed: number): Int32Array[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const length = 8 + Math.floor(next() * 40);
    const offset = Math.floor(next() * notes);
    const song = [0];
    for (let i = 0; i < length; i++) song.push(1 + ((offset + i) % notes));
    song.push(notes + 1);
    return Int32Array.from(song);
  });
}
