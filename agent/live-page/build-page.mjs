// Builds the live page into dist/page (index.html, page.js, page.css): the browser code bundled with uPlot and
// minified, so the agent serves three small files and no framework.
//
//   node agent/live-page/build-page.mjs        (run by `npm run build`; tests that open the page run it too)
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'page');

export async function buildPage() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(here, 'browser', 'main.ts')],
    outfile: join(out, 'page.js'),
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const uplotCss = readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
  writeFileSync(join(out, 'page.css'), `${uplotCss}\n${readFileSync(join(here, 'browser', 'page.css'), 'utf8')}`);
  copyFileSync(join(here, 'browser', 'index.html'), join(out, 'index.html'));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPage();
