#!/usr/bin/env node
// Entry point of the `folkbot` command. Runs the compiled JavaScript of src/ (bin/compile.mjs builds it into
// dist/ when the sources changed, in about 0.2 s), or, if that cannot be built, the TypeScript through tsx.
// FOLKBOT_TSX=1 forces tsx.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const compiled = process.env.FOLKBOT_TSX === '1' ? null : (await import('./compile.mjs')).compiledSources();
const { dir, reason } = (await compiled) ?? { dir: null, reason: 'FOLKBOT_TSX=1' };
if (dir) {
  await import(pathToFileURL(path.join(dir, 'cli/main.js')).href);
} else {
  if (process.env.FOLKBOT_DEBUG) console.error(`folkbot: running through tsx (${reason})`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
