import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

/** The data dir, or a file in it, cannot be used; the message names it, says why and what to do. */
export class DataDirError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataDirError';
  }
}

const CHOOSE_ANOTHER = 'or choose another directory with agent.data_dir or run --data-dir';

/**
 * Explains why `dir` could not be created, or `file` in it opened. SQLite says only "unable to open database file"
 * or "attempt to write a readonly database", so the directory and the file are probed for the cause.
 */
export function explainDataDirFailure(error: unknown, dir: string, file?: string): DataDirError {
  const options = { cause: error };
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') {
    return new DataDirError(`no space left on the disk of the data dir ${dir}: free some space, ${CHOOSE_ANOTHER}`, options);
  }
  if (!existsSync(dir)) return explainCannotCreate(code, dir, options, error);
  if (!statSync(dir).isDirectory()) return new DataDirError(`the data dir ${dir} is a file, not a directory: move it away, ${CHOOSE_ANOTHER}`, options);

  const dirProblem = accessProblem(dir);
  if (dirProblem === 'EROFS') return readOnlyFileSystem(dir, options);
  if (dirProblem !== undefined) {
    const { username } = whoAmI();
    return new DataDirError(
      `${describeUser()} may not write in the data dir ${dir} (${ownership(dir)}): give it write access (sudo chown ${username} ${dir}), ${CHOOSE_ANOTHER}`,
      options,
    );
  }
  if (file !== undefined && existsSync(file) && accessProblem(file) !== undefined) {
    const { username } = whoAmI();
    return new DataDirError(
      `${describeUser()} may not write ${file} (${ownership(file)}); was the agent once run as another user (with sudo)? Give the files back: sudo chown ${username} ${dir}/*`,
      options,
    );
  }
  return new DataDirError(`cannot open ${file ?? dir}: ${(error as Error).message ?? String(error)}`, options);
}

function explainCannotCreate(code: string | undefined, dir: string, options: ErrorOptions, error: unknown): DataDirError {
  const parent = existingAncestor(dir);
  if (code === 'EROFS' || accessProblem(parent) === 'EROFS') return readOnlyFileSystem(dir, options);
  if (code === 'ENOTDIR' || code === 'EEXIST' || !statSync(parent).isDirectory()) {
    return new DataDirError(`cannot create the data dir ${dir}: ${parent} is a file, not a directory; ${CHOOSE_ANOTHER.replace(/^or /, '')}`, options);
  }
  if (code === 'EACCES' || code === 'EPERM' || accessProblem(parent) !== undefined) {
    const { username } = whoAmI();
    return new DataDirError(
      `cannot create the data dir ${dir}: ${describeUser()} may not write in ${parent} (${ownership(parent)}); create it for that user (sudo install -d -o ${username} ${dir}), ${CHOOSE_ANOTHER}`,
      options,
    );
  }
  return new DataDirError(`cannot create the data dir ${dir}: ${(error as Error).message ?? String(error)}`, options);
}

function readOnlyFileSystem(dir: string, options: ErrorOptions): DataDirError {
  return new DataDirError(
    `the data dir ${dir} is on a read-only file system: remount it read-write (an SD card the kernel remounted read-only after errors needs a check: dmesg, fsck), ${CHOOSE_ANOTHER}`,
    options,
  );
}

/** The errno code of a write probe, or undefined when this process may write `path`. */
function accessProblem(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    return errorCode(error) ?? 'EACCES';
  }
}

function existingAncestor(path: string): string {
  let current = dirname(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function ownership(path: string): string {
  const stats = statSync(path);
  return `owned by uid ${stats.uid}, mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}`;
}

function whoAmI(): { username: string; uid: number } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { username: userInfo().username, uid };
  } catch {
    // A uid without a passwd entry (some containers): the number is all there is.
    return { username: String(uid), uid };
  }
}

function describeUser(): string {
  const { username, uid } = whoAmI();
  return username === String(uid) ? `uid ${uid}` : `user ${username} (uid ${uid})`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
