import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createTempRepo, type TempRegistry, type TempRepo } from "@gadugi/test-utils";
import { WorktreeManager, type WorktreeManagerOptions } from "../index.js";

/** A temp repo (removed after the test) with a few files, and a manager over it. */
export async function repoWithManager(
  temp: TempRegistry,
  files: Record<string, string> = { "README.md": "# demo\n", "src/a.ts": "export const a = 1;\n" },
  options: Partial<WorktreeManagerOptions> = {},
): Promise<{ repo: TempRepo; manager: WorktreeManager }> {
  const repo = temp.track(await createTempRepo({ files }));
  const manager = new WorktreeManager({ repoRoot: repo.dir, env: repo.env, ...options });
  return { repo, manager };
}

/** Writes an executable shell script `name` into `dir`. */
export function fakeBin(dir: string, name: string, script: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}
