import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";

/** Name of the state directory at the repository root; it is listed in `.git/info/exclude`. */
export const STATE_DIR_NAME = ".gadugi";

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Run, checkpoint and backup ids become directory and file names, so they are limited to
 * letters, digits, dots, dashes and underscores (no separators, no leading dot).
 */
export function assertSafeId(kind: string, id: string): void {
  if (!SAFE_ID.test(id) || id.includes("..")) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: kind,
      value: id,
      expected: "letters, digits, '.', '-' and '_' only, not starting with '.'",
    });
  }
}

/** Where everything lives under `<repoRoot>/.gadugi/`. */
export interface StatePaths {
  root: string;
  runs: string;
  backups: string;
  /** Repository-wide locks of other packages (e.g. `locks/worktree.lock` around `git worktree add`). */
  locks: string;
  run(runId: string): string;
  state(runId: string): string;
  journal(runId: string): string;
  lock(runId: string): string;
  checkpoints(runId: string): string;
  checkpoint(runId: string, checkpointId: string): string;
}

export function statePaths(repoRoot: string): StatePaths {
  const root = join(repoRoot, STATE_DIR_NAME);
  const runs = join(root, "runs");
  const run = (runId: string) => {
    assertSafeId("runId", runId);
    return join(runs, runId);
  };
  return {
    root,
    runs,
    backups: join(root, "backups"),
    locks: join(root, "locks"),
    run,
    state: (runId) => join(run(runId), "state.json"),
    journal: (runId) => join(run(runId), "events.jsonl"),
    lock: (runId) => join(run(runId), "lock"),
    checkpoints: (runId) => join(run(runId), "checkpoints"),
    checkpoint: (runId, checkpointId) => {
      assertSafeId("checkpointId", checkpointId);
      return join(run(runId), "checkpoints", `${checkpointId}.json`);
    },
  };
}
