import { Command } from "commander";
import type { CliIo } from "../main.js";
import { CWD_OPTION, repoRootOf, resolveRunId, table } from "./shared.js";

/** `gadugi state backup|backups|restore|checkpoints`: the run state's safety copies. */
export function stateCommand(io: CliIo): Command {
  const command = new Command("state").description(
    "back up and restore run state, and list a run's checkpoints",
  );
  command
    .command("backup")
    .description("copy the state of one run (or of every run) to .gadugi/backups/")
    .argument("[run]", "run id or unique prefix (default: every run)")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .action((run: string | undefined, options: { cwd?: string; json?: boolean }) =>
      backupRuns(io, run, options),
    );
  command
    .command("backups")
    .description("list the state backups")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .action((options: { cwd?: string; json?: boolean }) => listBackups(io, options));
  command
    .command("restore")
    .description("restore a backup; the state it replaces is backed up first")
    .argument("<backup>", "backup id (see `gadugi state backups`)")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .action((backupId: string, options: { cwd?: string; json?: boolean }) =>
      restoreBackup(io, backupId, options),
    );
  command
    .command("checkpoints")
    .description("list a run's checkpoints (one is written after every finished task)")
    .argument("[run]", "run id or unique prefix (default: the newest run)")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .action((run: string | undefined, options: { cwd?: string; json?: boolean }) =>
      listCheckpoints(io, run, options),
    );
  return command;
}

async function backupRuns(
  io: CliIo,
  run: string | undefined,
  options: { cwd?: string; json?: boolean },
): Promise<void> {
  const repoRoot = await repoRootOf(options.cwd);
  const runId = run === undefined ? undefined : await resolveRunId(repoRoot, run);
  const { StateBackupRestore } = await import("@gadugi/state");
  const backup = await new StateBackupRestore(repoRoot).backup(runId);
  io.stdout(
    options.json
      ? `${JSON.stringify(backup, null, 2)}\n`
      : `backup ${backup.id} (${backup.runIds.length} run(s)) in ${backup.path}\n`,
  );
}

async function listBackups(io: CliIo, options: { cwd?: string; json?: boolean }): Promise<void> {
  const repoRoot = await repoRootOf(options.cwd);
  const { StateBackupRestore } = await import("@gadugi/state");
  const backups = await new StateBackupRestore(repoRoot).list();
  if (options.json) {
    io.stdout(`${JSON.stringify(backups, null, 2)}\n`);
    return;
  }
  if (backups.length === 0) {
    io.stdout("no backups yet: make one with `gadugi state backup`\n");
    return;
  }
  io.stdout(
    table([
      ["BACKUP", "CREATED", "RUNS", "REASON"],
      ...backups.map((b) => [b.id, b.createdAt, b.runIds.join(", "), b.reason ?? ""]),
    ]),
  );
}

async function restoreBackup(
  io: CliIo,
  backupId: string,
  options: { cwd?: string; json?: boolean },
): Promise<void> {
  const repoRoot = await repoRootOf(options.cwd);
  const { StateBackupRestore } = await import("@gadugi/state");
  const restored = await new StateBackupRestore(repoRoot).restore(backupId);
  if (options.json) {
    io.stdout(`${JSON.stringify(restored, null, 2)}\n`);
    return;
  }
  io.stdout(
    `restored ${restored.restoredRuns.join(", ")} from ${backupId}${restored.safetyBackup ? `; the replaced state is in backup ${restored.safetyBackup.id}` : ""}\n`,
  );
}

async function listCheckpoints(
  io: CliIo,
  run: string | undefined,
  options: { cwd?: string; json?: boolean },
): Promise<void> {
  const repoRoot = await repoRootOf(options.cwd);
  const runId = await resolveRunId(repoRoot, run);
  const { CheckpointManager } = await import("@gadugi/state");
  const checkpoints = await new CheckpointManager(repoRoot).list(runId);
  if (options.json) {
    io.stdout(`${JSON.stringify(checkpoints, null, 2)}\n`);
    return;
  }
  io.stdout(
    table([
      ["CHECKPOINT", "CREATED", "LABEL"],
      ...checkpoints.map((c) => [c.id, c.createdAt, c.label ?? ""]),
    ]),
  );
}
