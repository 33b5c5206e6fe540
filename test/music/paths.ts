// Paths the music tests share: the repository root, the fixtures and the (optional) Essen collection.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the corpus tests look for the Essen collection: $FOLKBOT_ESSEN_DIR when set, else `data/essen` (where
 * `npm run fetch-essen` puts it), else `../shared/data/essen` beside the checkout.
 */
export const essenCandidates: readonly string[] = process.env.FOLKBOT_ESSEN_DIR
  ? [resolve(process.env.FOLKBOT_ESSEN_DIR)]
  : [resolve(repoRoot, 'data/essen'), resolve(repoRoot, '../shared/data/essen')];
export const essenRoot = essenCandidates.find((dir) => existsSync(dir)) ?? essenCandidates[0]!;
export const essenPresent = existsSync(essenRoot);
/** For `{ skip }` on each corpus test (not on the suite, so that node's closing count shows them as skipped). */
export const essenSkip: string | false = essenPresent
  ? false
  : `Essen collection not found (looked in ${essenCandidates.join(', ')}; set FOLKBOT_ESSEN_DIR or run npm run fetch-essen)`;

export function fixture(name: string): { text: string; path: string } {
  const path = resolve(repoRoot, 'test/fixtures/kern', name);
  return { text: readFileSync(path, 'utf8'), path };
}
