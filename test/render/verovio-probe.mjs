// Runs in a plain Node child process (no tsx: tsx would rewrite verovio's 12 MB module for half a minute).
// Usage: node verovio-probe.mjs CACHE_ROOT  -> prints { source, note, svg } for a short **kern engraved by
// the module that createVerovioHumModule returned.
import { createHash } from 'node:crypto';
import { createVerovioHumModule } from '../../src/render/verovio-loader.mjs';
import { VerovioToolkit } from 'verovio/esm';

const { module, source, note } = await createVerovioHumModule({ cacheRoot: process.argv[2] });
const toolkit = new VerovioToolkit(module);
toolkit.setOptions({ inputFrom: 'humdrum', svgFormatRaw: true, xmlIdSeed: 1 });
toolkit.loadData('**kern\n*M3/4\n*k[f#]\n=1\n4g\n8a\n8b\n4cc\n=2\n2.g\n==\n*-\n');
const svg = toolkit.renderToSVG(1);
const notes = svg.split('class="note"').length - 1;
console.log(JSON.stringify({ source, note, notes, svg: createHash('sha256').update(svg).digest('hex') }));
