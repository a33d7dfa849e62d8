import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` writes the page (build-page.mjs), relative to the package root. */
export const PAGE_BUILD_DIR = join('dist', 'page');

/** One file of the page, held in memory with its validator (the page is ~50 KB; read once). */
export interface PageAsset {
  readonly body: Buffer;
  /** The same, gzip-compressed once (uPlot is most of page.js: 65 KB, 25 KB compressed). */
  readonly gzipped: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'page.css': 'text/css; charset=utf-8',
};

/**
 * The built page (`index.html`, `page.js`, `page.css`), found by walking up from this module to the package root:
 * the same code runs from `agent/` under tsx and from `dist/agent/` (and its chunks) once bundled.
 */
export class PageAssets {
  private readonly assets = new Map<string, PageAsset>();
  readonly dir: string | undefined;

  constructor(dir: string | undefined = findPageDir()) {
    this.dir = dir;
  }

  /** The asset of that file name, or undefined when the page was not built or there is no such file. */
  get(name: string): PageAsset | undefined {
    if (this.dir === undefined || !(name in TYPES)) return undefined;
    let asset = this.assets.get(name);
    if (asset === undefined) {
      const file = join(this.dir, name);
      if (!existsSync(file)) return undefined;
      const body = readFileSync(file);
      asset = { body, gzipped: gzipSync(body, { level: 9 }), type: TYPES[name]!, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
      this.assets.set(name, asset);
    }
    return asset;
  }
}

function findPageDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const pageDir = join(dir, PAGE_BUILD_DIR);
      return existsSync(join(pageDir, 'index.html')) ? pageDir : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
