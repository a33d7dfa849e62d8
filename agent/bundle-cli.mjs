// Bundles the built CLI (dist/agent/cli.js, from tsc) and the libraries it imports into a few files, in place:
// Node then reads and compiles ~40 files at start instead of ~600 (zod alone is ~100), which is most of the
// start-up time on a Pi's SD card. Drivers and commands stay separate chunks, loaded only when a config uses them.
//
//   node agent/bundle-cli.mjs        (run by `npm run build`, after tsc)
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// The `debug` package, as the bundled libraries import it, becomes agent/library-debug.cjs (which loads the real one
// only when DEBUG is set): its calls per MQTT packet cost an array each even when off.
const LIBRARY_DEBUG = path.resolve('agent/library-debug.cjs');
const libraryDebug = {
  name: 'library-debug',
  setup(bundle) {
    bundle.onResolve({ filter: /^debug$/ }, (args) => (args.importer === LIBRARY_DEBUG ? undefined : { path: LIBRARY_DEBUG }));
  },
};

// Chunk names carry a content hash: without this, every build would leave the previous build's chunks beside the new
// ones, and `npm pack` (which ships dist/agent/chunks) would ship them all.
rmSync('dist/agent/chunks', { recursive: true, force: true });
await build({
  entryPoints: ['dist/agent/cli.js'],
  outdir: 'dist/agent',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons load their compiled binary relative to their own package: left to node_modules.
  // Optional libraries some packages try (bufferutil for ws, protobufjs for serialising DDSketches): not installed.
  external: ['better-sqlite3', 'serialport', '@serialport/*', 'onoff', 'epoll', 'modbus-serial', 'bufferutil', 'utf-8-validate', 'protobufjs/*'],
  // Bundled CommonJS libraries call require() for Node's built-ins; ESM has none of its own.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  plugins: [libraryDebug],
  logLevel: 'warning',
});
chmodSync('dist/agent/cli.js', 0o755);
