// The one error type of the encodings: a melody, token sequence, vocabulary or sampling request that an encoding
// cannot handle. The message says what was wrong and what is accepted.

export class EncodingError extends Error {
  override readonly name = 'EncodingError';
}
