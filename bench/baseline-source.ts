// A baseline for the benchmarks: src/ of an earlier git commit, extracted under runs/bench-baseline/ (git-ignored),
// so that a bench can run today's code and that commit's in turn in the same conditions.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The file URL of `file` (a path under src/) in the extracted src/ of `commit`; null (with a line saying why)
 * when git cannot extract it.
 */
export function baselineSourceUrl(repoRoot: string, commit: string, file: string): string | null {
  const dir = path.join(repoRoot, 'runs', 'bench-baseline', commit);
  const wanted = path.join(dir, file);
  if (!existsSync(wanted)) {
    try {
      mkdirSync(dir, { recursive: true });
      execSync(`git -C "${repoRoot}" archive "${commit}" src | tar -x -C "${dir}"`, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      console.log(`(today's-code baseline skipped: cannot extract commit ${commit}: ${(error as Error).message.split('\n')[0]})`);
      return null;
    }
  }
  return pathToFileURL(wanted).href;
}
