// The model's seedable random generator is the project's one PRNG (src/util/random.ts).
export { createRandom, shuffleInPlace, type Random } from '../../util/random.js';
