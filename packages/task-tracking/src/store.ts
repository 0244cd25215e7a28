import { readFile } from "node:fs/promises";
import { GadugiError } from "@gadugi/error-handling";
import { writeFileAtomic } from "@gadugi/state";

/**
 * Where a small JSON document lives. The history store and the todo writer only need these two
 * operations, so tests (and a caller with its own locking) can pass an in-memory one.
 */
export interface TextStore {
  /** Shown in errors: a file path or any name that tells the user where the text lives. */
  readonly location: string;
  /** The whole text, or undefined when nothing was written yet. */
  read(): Promise<string | undefined>;
  /** Replaces the whole text; a reader sees the old or the new text, never a mix. */
  write(text: string): Promise<void>;
}

/** A TextStore backed by one file, written atomically (temp file, fsync, rename) by @gadugi/state. */
export function fileTextStore(path: string): TextStore {
  return {
    location: path,
    async read() {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new GadugiError(
          "GADUGI_FILE_UNREADABLE",
          { path, reason: (error as Error).message },
          { cause: error },
        );
      }
    },
    write: (text) => writeFileAtomic(path, text),
  };
}

/** A TextStore in memory, for tests and dry runs. */
export function memoryTextStore(initial?: string, location = "(memory)"): TextStore & { text?: string } {
  const store = {
    location,
    text: initial,
    async read() {
      return store.text;
    },
    async write(text: string) {
      store.text = text;
    },
  };
  return store;
}
