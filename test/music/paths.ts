// Paths the music tests share: the repository root, the fixtures and the (optional) Essen collection.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const essenRoot = resolve(repoRoot, '../shared/data/essen');
export const essenPresent = existsSync(essenRoot);
export const essenSkipMessage = `Essen collection not found at ${essenRoot}: whole-corpus checks skipped`;

export function fixture(name: string): { text: string; path: string } {
  const path = resolve(repoRoot, 'test/fixtures/kern', name);
  return { text: readFileSync(path, 'utf8'), path };
}
