/* global URL, console */
// Bundles the web console into dist/ui (served by the gateway at /ui): one script, one style sheet,
// one HTML page; no CDN, so it works offline. Type checking is `tsc -p ui/tsconfig.json`.
import { build } from 'esbuild';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../dist/ui/');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [here('src/main.tsx')],
  outfile: `${out}app.js`,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(here('index.html'), `${out}index.html`);
await copyFile(here('style.css'), `${out}style.css`);
await copyFile(here('icon.svg'), `${out}icon.svg`);
const size = (await stat(`${out}app.js`)).size;
console.log(`console bundle: dist/ui/app.js ${(size / 1024).toFixed(1)} KiB`);
