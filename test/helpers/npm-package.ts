import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './run-cli.js';

const run = promisify(execFile);

/** What `npm pack` needs to build the package: the sources, the build configs, and what `files` ships. */
const PACKAGE_SOURCES = ['agent', 'drivers', 'rules', 'config', 'systemd', 'package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json'];

/** Native dependencies whose install scripts build or fetch their binaries: npm 11 asks for them by name. */
export const NATIVE_DEPENDENCIES = ['better-sqlite3', 'epoll', '@serialport/bindings-cpp'];

/** Quiet, no network when the cache has it, native builds allowed. */
const NPM_INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `--allow-scripts=${NATIVE_DEPENDENCIES.join(',')}`];

/**
 * `npm pack` of this repository, as for a release, into `destination`; returns the .tgz. It packs a copy of the
 * sources (node_modules linked): the copy's `prepare` builds its own dist/, so the dist/ of the working tree, which
 * other tests run at the same time, is not rebuilt under them. `version` stands in for the next release.
 */
export async function packRepository(destination: string, options: { version?: string } = {}): Promise<string> {
  const source = path.join(destination, `source-${options.version ?? 'current'}`);
  await mkdir(source, { recursive: true });
  for (const entry of PACKAGE_SOURCES) await cp(path.join(REPO, entry), path.join(source, entry), { recursive: true });
  await symlink(path.join(REPO, 'node_modules'), path.join(source, 'node_modules'));
  if (options.version !== undefined) {
    const manifest = JSON.parse(await readFile(path.join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(source, 'package.json'), JSON.stringify({ ...manifest, version: options.version }, null, 2));
  }
  const packed = path.join(destination, 'packed');
  await mkdir(packed, { recursive: true });
  await run('npm', ['pack', '--pack-destination', packed, '--loglevel=error'], { cwd: source, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
    // The build's own errors (tsc's) are on standard output.
    throw new Error(`npm pack failed in ${source}:\n${error.stdout ?? ''}${error.stderr ?? ''}`, { cause: error });
  });
  const [tgz, ...more] = (await readdir(packed)).filter((name) => name.endsWith('.tgz'));
  if (tgz === undefined || more.length > 0) throw new Error(`npm pack in ${source} left ${tgz === undefined ? 'no' : 'more than one'} .tgz in ${packed}`);
  const file = path.join(destination, tgz);
  await cp(path.join(packed, tgz), file);
  await rm(packed, { recursive: true });
  return file;
}

/**
 * `npm install -g --prefix <prefix> <tgz>`, as a user installs it (dependencies from the npm cache or the registry,
 * native ones built here); returns where npm put the package.
 */
export async function installGlobally(tgz: string, prefix: string): Promise<string> {
  await run('npm', ['install', '-g', '--prefix', prefix, ...NPM_INSTALL_FLAGS, tgz], { maxBuffer: 16 * 1024 * 1024 });
  return path.join(prefix, 'lib/node_modules/tributary');
}

/**
 * A .tgz of an installed package with its node_modules inside and `bundleDependencies` set, for a machine with
 * neither the registry nor a compiler (the test container): its native modules are the ones built by
 * `installGlobally` here, for the same Debian and the same node. Made with tar, because `npm pack` would apply each
 * dependency's own `files` list and leave out the binaries their install scripts built. `version` stands in for the
 * next release (the same program under a new version number).
 */
export async function bundleInstalledPackage(installed: string, destination: string, options: { version?: string } = {}): Promise<string> {
  const staging = path.join(destination, 'bundle-staging');
  const pkg = path.join(staging, 'package');
  await rm(staging, { recursive: true, force: true });
  await cp(installed, pkg, { recursive: true, verbatimSymlinks: true });
  // npm's record of the install it came from; the installing npm writes its own.
  await rm(path.join(pkg, 'node_modules/.package-lock.json'), { force: true });
  const manifest = JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')) as { version: string } & Record<string, unknown>;
  const version = options.version ?? manifest.version;
  await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ ...manifest, version, bundleDependencies: true }, null, 2));
  const tgz = path.join(destination, `tributary-${version}-bundled.tgz`);
  await run('tar', ['-czf', tgz, '-C', staging, 'package']);
  await rm(staging, { recursive: true });
  return tgz;
}
