import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

export interface TempDir {
  /** Absolute, symlinks resolved (so it compares equal to what git prints). */
  path: string;
  cleanup(): void;
}

/** A fresh directory under the OS temp dir; `cleanup()` removes it and everything in it. */
export function createTempDir(prefix = "gadugi-test-"): TempDir {
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true, maxRetries: 3 }) };
}

/** Something a test made that must be removed after it. */
export interface Cleanable {
  cleanup(): void | Promise<void>;
}

/** Collects temp dirs and repos and removes them all at once. */
export class TempRegistry {
  private readonly items: Cleanable[] = [];

  /** Registers `item` and returns it. */
  track<T extends Cleanable>(item: T): T {
    this.items.push(item);
    return item;
  }

  /** A new temp dir, removed by the next `cleanup()`. */
  dir(prefix?: string): string {
    return this.track(createTempDir(prefix)).path;
  }

  async cleanup(): Promise<void> {
    const items = this.items.splice(0).reverse();
    for (const item of items) await item.cleanup();
  }
}

/**
 * Call at the top of a test file (or a describe block): returns a registry whose dirs and tracked
 * repos are removed after each test.
 *
 * ```ts
 * const temp = useTempDirs();
 * it("...", () => { const dir = temp.dir(); });
 * ```
 */
export function useTempDirs(): TempRegistry {
  const registry = new TempRegistry();
  afterEach(() => registry.cleanup());
  return registry;
}
