import { access, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { type Clock, errnoCode, fileStamp, ioError, messageOf, randomHex, systemClock } from "./util.js";

/**
 * The part of a zod schema this package needs: every schema of @gadugi/interfaces fits, and the
 * value type is inferred from it.
 */
export interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** Flushes a directory entry (a rename or a new file) to disk. Some platforms cannot; that is ignored. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `data` to `path` so that a crash leaves either the old or the new file, never a mix: a
 * temporary file in the same directory is written and fsynced, renamed over `path`, and the
 * directory is fsynced. Missing parent directories are created.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomHex(4)}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await fsyncDir(dir);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw ioError("write", path, error);
  }
}

/** {@link writeFileAtomic} of `value` as indented JSON with a final newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Renames a bad file to `<path>.corrupt-<timestamp>` next to it (never over an existing file) and
 * returns the new path. The original name is then free for a rebuilt file.
 */
export async function moveAside(path: string, now: Clock = systemClock): Promise<string> {
  const base = `${path}.corrupt-${fileStamp(now())}`;
  let target = base;
  while (await exists(target)) target = `${base}-${randomHex(2)}`;
  await rename(path, target);
  await fsyncDir(dirname(path));
  return target;
}

export function formatSchemaIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string {
  return issues
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`,
    )
    .join("; ");
}

/**
 * Checks `text` (the content of `path`) against `schema`. Bad JSON or a schema mismatch moves the
 * file aside and throws GADUGI_STATE_CORRUPT naming the file, the reason and where it went.
 */
export async function parseJsonFile<T>(
  schema: Schema<T>,
  path: string,
  text: string,
  now?: Clock,
): Promise<T> {
  let reason: string;
  try {
    const result = schema.safeParse(JSON.parse(text));
    if (result.success) return result.data;
    reason = `does not match its schema: ${formatSchemaIssues(result.error.issues)}`;
  } catch (error) {
    reason = `not valid JSON: ${messageOf(error)}`;
  }
  let movedTo: string | undefined;
  try {
    movedTo = await moveAside(path, now);
  } catch (error) {
    // Leave it in place rather than lose it; the error below still names it.
    if (errnoCode(error) !== "ENOENT") reason = `${reason}; moving it aside failed: ${messageOf(error)}`;
  }
  throw new GadugiError("GADUGI_STATE_CORRUPT", { path, reason, movedTo });
}

/**
 * Reads and validates a JSON file. Missing: GADUGI_STATE_NOT_FOUND. Bad JSON or schema mismatch:
 * the file is moved aside to `<path>.corrupt-<timestamp>` and GADUGI_STATE_CORRUPT names both.
 */
export async function readJsonFile<T>(
  schema: Schema<T>,
  path: string,
  options: { now?: Clock } = {},
): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT")
      throw new GadugiError("GADUGI_STATE_NOT_FOUND", { path }, { cause: error });
    throw new GadugiError("GADUGI_FILE_UNREADABLE", { path, reason: messageOf(error) }, { cause: error });
  }
  return parseJsonFile(schema, path, text, options.now);
}
