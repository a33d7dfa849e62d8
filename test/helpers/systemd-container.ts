/**
 * A real systemd (Debian 12's 252) booted as PID 1 in a `systemd-nspawn` container, for tests that need the unit
 * under a real service manager: `Type=notify`, the watchdog, reload, restarts, journald, the sandbox, installing.
 * The recipe and its pitfalls: shared/systemd-container.md.
 *
 * API
 * - `bootSystemdContainer(options)` builds the Debian rootfs or reuses the cached one (see `systemdRootfs`), lays a
 *   throwaway overlay over it (the cache is never written), boots systemd in it and resolves once
 *   `systemctl is-system-running` says `running` or `degraded`. Options:
 *     `bindReadOnly`: host paths bind-mounted read-only, at the same path or `{ host, container }`
 *                     (a checkout, a `.tgz`); this machine's `node` is always bound at the path `command -v node`
 *                     gives, so `command -v node` inside finds it too;
 *     `npm`:          also bind this machine's npm package and link `npm`/`npx` to it, for `npm install -g`;
 *     `prepare(root)`: write files into the throwaway root (a host path) before boot, e.g. units or configs.
 * - The returned `SystemdContainer`:
 *     `exec(argv)` / `sh(script)` run a command in the container's namespaces (`nsenter -a`) as root, with a clean
 *     environment; they throw with the output unless `{ check: false }`; `{ input }` feeds standard input;
 *     `run(argv, { properties, user })` runs it as a transient unit (`systemd-run --wait -P`), i.e. inside the
 *     container's cgroup, device policy and system-call filter, optionally with unit properties;
 *     `systemctl(...)`, `show(unit, property)`, `journal(unit)` (parsed `journalctl -o json` entries);
 *     `readFile(path)` / `writeFile(path, text, mode)` inside (any mount, /run included);
 *     `hostPath(path)`: where a rootfs-backed path inside is on the host (not /run, /tmp: tmpfs inside);
 *     `console()`: what systemd printed on its console; `stop()`: power off (SIGKILL after 20 s), unmount the
 *     overlay, delete it and remove the cgroup folders nspawn left behind. Safe to call twice; a test process
 *     that exits without calling it still kills and unmounts (synchronously, on 'exit').
 * - `waitUntil(check, timeoutMs, what)`: polls an async check until it returns a value that is not undefined.
 *
 * Requirements (checked, with an error saying what to do, never skipped): root, `systemd-nspawn` (Debian package
 * systemd-container), `mmdebstrap`, `nsenter`, overlayfs, and Debian's apt sources on this machine (for the mirror).
 * nspawn is started inside a cgroup of its own (under /sys/fs/cgroup/{unified,systemd}/tributary-test-*), so two
 * containers at once (two engineers' test runs) do not share nspawn's `payload`/`supervisor` folders.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the rootfs holds beyond minbase: systemd as init, the tools the tests use, a broker for the agent. */
export const ROOTFS_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'procps', 'iproute2', 'mosquitto', 'mosquitto-clients'] as const;
const SUITE = 'bookworm';
/** Bump when the way the rootfs is made changes, so a stale cache is not reused. */
const ROOTFS_RECIPE_VERSION = 1;
const BUILD_TIMEOUT_MS = 5 * 60_000;
const BOOT_TIMEOUT_MS = 60_000;
const POWEROFF_TIMEOUT_MS = 20_000;
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CGROUP_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd'];

export interface BindMount {
  /** The path on this machine. */
  host: string;
  /** Where it appears inside; default: the same path. */
  container?: string;
}

export interface BootOptions {
  /** A short label for the hostname and the temp folder. Default `systemd`. */
  name?: string;
  /** Host paths bind-mounted read-only (node is always bound). */
  bindReadOnly?: readonly (string | BindMount)[];
  /** Bind this machine's npm and put `npm` and `npx` on the PATH inside. Default false. */
  npm?: boolean;
  /** Called with the throwaway root (a host path) before boot: write units, configs, drop-ins there. */
  prepare?: (root: string) => Promise<void>;
  /** How long boot may take until `running`/`degraded`. Default 60 s. */
  bootTimeoutMs?: number;
}

export interface ExecOptions {
  /** Fed to standard input. */
  input?: string;
  /** Killed (SIGKILL) after this long. Default 60 s. */
  timeoutMs?: number;
  /** Throw when the command exits non-zero. Default true. */
  check?: boolean;
}

export interface RunOptions extends ExecOptions {
  /** Unit properties for the transient service, `Key=Value` each (`systemd-run -p`). */
  properties?: readonly string[];
  /** Run as this user (`systemd-run --uid`). */
  user?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One journal entry, as `journalctl -o json` gives it (fields that are not valid UTF-8 are left out). */
export type JournalEntry = Readonly<Record<string, string>>;

export interface SystemdContainer {
  /** The throwaway root on this machine (an overlay over the cached rootfs). */
  readonly root: string;
  /** PID of the container's systemd, as this machine sees it. */
  readonly initPid: number;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  sh(script: string, options?: ExecOptions): Promise<ExecResult>;
  run(argv: readonly string[], options?: RunOptions): Promise<ExecResult>;
  systemctl(...args: string[]): Promise<ExecResult>;
  /** `systemctl show -P <property> <unit>`. */
  show(unit: string, property: string): Promise<string>;
  /** The unit's journal since boot (`journalctl -u <unit> -o json`). */
  journal(unit: string): Promise<JournalEntry[]>;
  readFile(file: string): Promise<string>;
  writeFile(file: string, text: string, mode?: number): Promise<void>;
  hostPath(file: string): string;
  console(): string;
  stop(): Promise<void>;
}

/** Fails the calling test with what to install or change when this machine cannot boot a container. */
export function assertCanRunContainers(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('run the tests as root (systemd-nspawn, mount and nsenter need it)');
  for (const [tool, pkg] of [
    ['systemd-nspawn', 'systemd-container'],
    ['mmdebstrap', 'mmdebstrap'],
    ['nsenter', 'util-linux'],
  ] as const) {
    if (!onPath(tool)) problems.push(`${tool} is missing: apt-get install ${pkg}`);
  }
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) problems.push('the kernel has no overlayfs (modprobe overlay)');
  if (!CGROUP_ROOTS.some((root) => existsSync(path.join(root, 'cgroup.procs')))) {
    problems.push('no cgroup hierarchy at /sys/fs/cgroup/unified or /sys/fs/cgroup/systemd');
  }
  if (problems.length > 0) throw new Error(`cannot boot a systemd container on this machine: ${problems.join('; ')}`);
}

/**
 * The cached Debian rootfs: built once per machine (about 15-30 s) under the OS temp dir, then reused. A lock
 * directory makes a second test process wait for the first one's build; a marker file, written last, says the
 * build finished, so an interrupted build is redone rather than reused.
 */
export async function systemdRootfs(): Promise<string> {
  assertCanRunContainers();
  const mirror = aptMirror();
  const key = createHash('sha256').update(JSON.stringify([ROOTFS_RECIPE_VERSION, SUITE, mirror, ROOTFS_PACKAGES])).digest('hex').slice(0, 12);
  const cache = path.join(os.tmpdir(), `tributary-systemd-rootfs-${key}`);
  const rootfs = path.join(cache, 'rootfs');
  const marker = path.join(cache, 'complete');
  const lock = path.join(cache, 'lock');
  await mkdir(cache, { recursive: true });
  const deadline = Date.now() + BUILD_TIMEOUT_MS + 60_000;
  for (;;) {
    if (existsSync(marker)) return rootfs;
    if (takeLock(lock)) break;
    if (Date.now() > deadline) throw new Error(`the rootfs in ${cache} is being built by another process for too long; remove ${lock} if no test runs`);
    await sleep(500);
  }
  try {
    if (existsSync(marker)) return rootfs;
    const partial = `${rootfs}.partial`;
    await rm(partial, { recursive: true, force: true });
    await rm(rootfs, { recursive: true, force: true });
    const logFile = path.join(cache, 'build.log');
    const result = await runHost(
      'mmdebstrap',
      ['--variant=minbase', `--include=${ROOTFS_PACKAGES.join(',')}`, SUITE, partial, mirror],
      { timeoutMs: BUILD_TIMEOUT_MS },
    );
    await writeFile(logFile, result.stdout + result.stderr);
    if (result.code !== 0) {
      throw new Error(`mmdebstrap could not build the Debian rootfs (exit ${result.code}; log ${logFile}):\n${printable(tail(result.stderr, 2000))}`);
    }
    // Debian's mosquitto starts at boot in every container; tests start it when they want a broker.
    await rm(path.join(partial, 'etc/systemd/system/multi-user.target.wants/mosquitto.service'), { force: true });
    await rename(partial, rootfs);
    await writeFile(marker, `${new Date().toISOString()} ${SUITE} ${ROOTFS_PACKAGES.join(' ')}\n`);
    return rootfs;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Boots systemd in a throwaway overlay of the cached rootfs; see the API at the top of this file. */
export async function bootSystemdContainer(options: BootOptions = {}): Promise<SystemdContainer> {
  const lower = await systemdRootfs();
  const name = `${options.name ?? 'systemd'}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = path.join(os.tmpdir(), `tributary-test-container-${name}`);
  const container = new Container(name, dir);
  try {
    await container.boot(lower, options);
    return container;
  } catch (error) {
    await container.stop();
    throw error;
  }
}

/** Polls `check` every 200 ms until it returns something other than undefined; throws after `timeoutMs`. */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`${what}: not within ${timeoutMs} ms${cause}`, { cause: lastError });
    }
    await sleep(200);
  }
}

/** Containers not yet stopped; killed and unmounted if the test process exits without stopping them. */
const live = new Set<Container>();
let exitHookInstalled = false;

class Container implements SystemdContainer {
  private nspawn: ChildProcess | undefined;
  private nspawnExited: Promise<void> = Promise.resolve();
  private pid1 = 0;
  private stopped = false;
  private readonly merged: string;
  private readonly consoleLog: string;
  private readonly cgroups: string[];

  constructor(
    private readonly name: string,
    private readonly dir: string,
  ) {
    this.merged = path.join(dir, 'root');
    this.consoleLog = path.join(dir, 'console.log');
    this.cgroups = CGROUP_ROOTS.filter((root) => existsSync(path.join(root, 'cgroup.procs'))).map((root) => path.join(root, `tributary-test-${name}`));
  }

  get root(): string {
    return this.merged;
  }

  get initPid(): number {
    return this.pid1;
  }

  async boot(lower: string, options: BootOptions): Promise<void> {
    installExitHook();
    live.add(this);
    for (const sub of ['upper', 'work', 'root']) await mkdir(path.join(this.dir, sub), { recursive: true });
    const mounted = await runHost('mount', [
      '-t', 'overlay', 'overlay',
      '-o', `lowerdir=${lower},upperdir=${path.join(this.dir, 'upper')},workdir=${path.join(this.dir, 'work')}`,
      this.merged,
    ]);
    if (mounted.code !== 0) throw new Error(`cannot mount an overlay over ${lower}: ${mounted.stderr.trim()}`);

    const binds: BindMount[] = [];
    const node = await hostCommand('node');
    binds.push({ host: await realpath(node), container: node });
    if (options.npm) binds.push(...(await this.linkNpm()));
    for (const bind of options.bindReadOnly ?? []) binds.push(typeof bind === 'string' ? { host: bind } : bind);
    await options.prepare?.(this.merged);

    for (const cgroup of this.cgroups) await mkdir(cgroup, { recursive: true });
    const args = [
      '-D', this.merged, '-b', '--register=no', '--keep-unit', '--private-network',
      // nspawn's own filter blocks bpf(), without which DevicePolicy= and IPAddressDeny= silently do nothing.
      '--system-call-filter=bpf', '--console=pipe', '-M', this.name.slice(0, 60),
      ...binds.map((bind) => `--bind-ro=${bind.host}:${bind.container ?? bind.host}`),
    ];
    // nspawn puts the container's cgroups below its own: give it one of its own so containers do not collide.
    const enter = this.cgroups.map((cgroup) => `echo $$ > '${cgroup}/cgroup.procs'`).join(' && ');
    const env: NodeJS.ProcessEnv = { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' };
    for (const variable of ['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[variable];
    const consoleFd = openSync(this.consoleLog, 'a');
    try {
      this.nspawn = spawn('sh', ['-c', `${enter} && exec systemd-nspawn "$@"`, 'sh', ...args], {
        detached: true,
        env,
        stdio: ['ignore', consoleFd, consoleFd],
      });
    } finally {
      closeSync(consoleFd);
    }
    const nspawn = this.nspawn;
    this.nspawnExited = new Promise((resolve) => nspawn.once('exit', () => resolve()));

    const deadline = Date.now() + (options.bootTimeoutMs ?? BOOT_TIMEOUT_MS);
    this.pid1 = await waitUntil(async () => this.findInit(), Math.max(0, deadline - Date.now()), 'the container\'s systemd to start').catch((error: Error) => {
      throw new Error(`${error.message}\nconsole:\n${printable(tail(this.console(), 3000))}`);
    });
    const state = await waitUntil(
      async () => {
        const result = await this.exec(['systemctl', 'is-system-running', '--wait'], { check: false, timeoutMs: Math.max(1000, deadline - Date.now()) });
        const answer = result.stdout.trim();
        return answer === 'running' || answer === 'degraded' ? answer : undefined;
      },
      Math.max(0, deadline - Date.now()),
      'the container\'s systemd to finish booting',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nconsole:\n${printable(tail(this.console(), 3000))}`);
    });
    if (state === 'degraded') {
      // Not fatal (a container lacks some hardware units), but say which, in case a test trips over it.
      const failed = await this.systemctl('--failed', '--no-legend', '--plain');
      process.stderr.write(`systemd-container ${this.name}: booted degraded; failed units:\n${failed.stdout}`);
    }
  }

  /** The container's PID 1: nspawn's child once it has become systemd. */
  private findInit(): number | undefined {
    const pid = this.nspawn?.pid;
    if (pid === undefined) return undefined;
    if (this.nspawn?.exitCode !== null || this.nspawn?.signalCode !== null) {
      throw new Error(`systemd-nspawn exited (${this.nspawn?.exitCode ?? this.nspawn?.signalCode})`);
    }
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    } catch {
      return undefined;
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean)) {
      try {
        if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'systemd') return Number(child);
      } catch {
        // gone between the two reads
      }
    }
    return undefined;
  }

  /** Binds the npm package of this machine and links npm/npx to it at the paths they have here. */
  private async linkNpm(): Promise<BindMount[]> {
    const binds: BindMount[] = [];
    for (const tool of ['npm', 'npx']) {
      const link = await hostCommand(tool);
      const script = await realpath(link);
      // .../node_modules/npm/bin/npm-cli.js: the package is two folders up.
      const pkg = path.dirname(path.dirname(script));
      if (!binds.some((bind) => bind.host === pkg)) binds.push({ host: pkg });
      const inside = path.join(this.merged, link);
      await mkdir(path.dirname(inside), { recursive: true });
      await rm(inside, { force: true });
      await symlink(script, inside);
    }
    return binds;
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.pid1 === 0) return Promise.reject(new Error('the container has not booted'));
    return this.checked(argv, runHost('nsenter', ['-t', String(this.pid1), '-a', '--', 'env', '-i', `PATH=${CONTAINER_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', ...argv], options), options);
  }

  /** Resolves with the result, or rejects with the command and its output when it failed and `check` is on. */
  private async checked(argv: readonly string[], running: Promise<ExecResult>, options: ExecOptions): Promise<ExecResult> {
    const result = await running;
    if (result.code !== 0 && options.check !== false) {
      throw new Error(`in the container: ${argv.join(' ')} exited ${result.code}\n${printable(tail(result.stdout, 2000))}\n${printable(tail(result.stderr, 2000))}`);
    }
    return result;
  }

  sh(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(['sh', '-c', script], options);
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
    const args = ['systemd-run', '--wait', '--pipe', '--quiet', '--collect'];
    if (options.user) args.push(`--uid=${options.user}`);
    for (const property of options.properties ?? []) args.push('-p', property);
    return this.exec([...args, '--', ...argv], options);
  }

  systemctl(...args: string[]): Promise<ExecResult> {
    return this.exec(['systemctl', '--no-pager', ...args], { check: false });
  }

  async show(unit: string, property: string): Promise<string> {
    return (await this.exec(['systemctl', 'show', '-P', property, unit])).stdout.trim();
  }

  async journal(unit: string): Promise<JournalEntry[]> {
    const { stdout } = await this.exec(['journalctl', '-u', unit, '-o', 'json', '--no-pager'], { timeoutMs: 30_000 });
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        const entry: Record<string, string> = {};
        for (const [key, value] of Object.entries(JSON.parse(line) as Record<string, unknown>)) if (typeof value === 'string') entry[key] = value;
        return entry;
      });
  }

  async readFile(file: string): Promise<string> {
    return (await this.exec(['cat', '--', file])).stdout;
  }

  async writeFile(file: string, text: string, mode = 0o644): Promise<void> {
    await this.exec(['sh', '-c', 'cat > "$1" && chmod "$2" "$1"', 'sh', file, mode.toString(8)], { input: text });
  }

  hostPath(file: string): string {
    return path.join(this.merged, file);
  }

  console(): string {
    try {
      return readFileSync(this.consoleLog, 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const nspawn = this.nspawn;
    if (nspawn && nspawn.exitCode === null && nspawn.signalCode === null) {
      if (this.pid1 !== 0) await this.systemctl('poweroff', '--no-block').catch(() => undefined);
      const poweredOff = await Promise.race([this.nspawnExited.then(() => true), sleep(POWEROFF_TIMEOUT_MS).then(() => false)]);
      if (!poweredOff) {
        killGroup(nspawn);
        await this.nspawnExited;
      }
    }
    this.cleanUpSync();
    live.delete(this);
  }

  /** Unmounts, deletes the throwaway root and the cgroup folders; synchronous, so it also runs on 'exit'. */
  cleanUpSync(): void {
    if (this.nspawn) killGroup(this.nspawn);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!isMountPoint(this.merged)) break;
      try {
        execFileSync('umount', attempt < 2 ? [this.merged] : ['-l', this.merged], { stdio: 'ignore' });
      } catch {
        execFileSync('sleep', ['0.3']);
      }
    }
    if (!isMountPoint(this.merged)) rmSync(this.dir, { recursive: true, force: true });
    for (const cgroup of this.cgroups) removeCgroupTree(cgroup);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const container of live) container.cleanUpSync();
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Removes a cgroup folder and those below it, deepest first (cgroup folders are removed with rmdir). */
function removeCgroupTree(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = path.join(dir, entry);
    try {
      if (statSync(child).isDirectory()) removeCgroupTree(child);
    } catch {
      // raced with the kernel removing it
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // still has processes (killed ones take a moment to leave); left for the next run to find empty
  }
}

function isMountPoint(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir);
}

/** mkdir is atomic: whoever creates the folder holds the lock. A lock whose holder died is taken over. */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'pid'), String(process.pid));
    return true;
  } catch {
    let holder = 0;
    try {
      holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {
      // being written right now
      return false;
    }
    if (holder > 0 && !processAlive(holder)) {
      rmSync(lock, { recursive: true, force: true });
    }
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The Debian mirror apt uses on this machine (deb822 sources first, then sources.list); never a literal host. */
function aptMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  const candidates: string[] = [];
  try {
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.sources')).sort()) {
      candidates.push(...readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => /^URIs:/.test(line)).map((line) => line.split(/\s+/)[1]!));
    }
  } catch {
    // no deb822 sources
  }
  try {
    candidates.push(...readFileSync('/etc/apt/sources.list', 'utf8').split('\n').filter((line) => /^deb\s/.test(line)).map((line) => line.split(/\s+/).find((word) => /^\w+:\/\//.test(word)) ?? ''));
  } catch {
    // no sources.list
  }
  // The main archive, not the security one.
  const mirror = candidates.find((uri) => uri && !/security/.test(uri));
  if (!mirror) throw new Error('cannot find the Debian mirror apt uses (no URIs: in /etc/apt/sources.list.d/*.sources, no deb line in /etc/apt/sources.list)');
  return mirror;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(path.join(dir, tool)));
}

/** Where a command lives on this machine, as `command -v` finds it. */
async function hostCommand(tool: string): Promise<string> {
  const { code, stdout } = await runHost('sh', ['-c', `command -v ${tool}`]);
  const found = stdout.trim();
  if (code !== 0 || !found.startsWith('/')) throw new Error(`${tool} is not on the PATH of this machine; the container borrows it from here`);
  return found;
}

function runHost(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', encoding: 'utf8' },
      (error, stdout, stderr) => {
        // A number is the exit code; a string (ENOENT) means it did not run; killed by the timeout: 124, like timeout(1).
        const code = error ? (typeof error.code === 'number' ? error.code : error.killed ? 124 : 127) : 0;
        const note = error && error.killed ? `\n(killed after ${options.timeoutMs ?? 60_000} ms)` : '';
        resolve({ code, stdout, stderr: stderr + note });
      },
    );
    // A command that exits without reading its input closes the pipe first: not an error of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** Control bytes from a command's output are shown escaped, never sent to the terminal as they are. */
function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function tail(text: string, chars: number): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}
