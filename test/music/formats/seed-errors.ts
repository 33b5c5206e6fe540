// The SeedFileError a piece of work throws, for the seed file tests.
import assert from 'node:assert/strict';
import { SeedFileError } from '../../../src/music/errors.js';

export function seedFileError(work: () => unknown): SeedFileError {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof SeedFileError, `a SeedFileError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a SeedFileError');
}
