import { Command } from "commander";
import type { CliIo } from "../main.js";
import { CWD_OPTION, repoRootOf } from "./shared.js";

/** `gadugi init`: writes a starter gadugi.config.json at the repository root. */
export function initCommand(io: CliIo): Command {
  return new Command("init")
    .description("write a starter gadugi.config.json at the repository root")
    .option(...CWD_OPTION)
    .option("--force", "overwrite an existing config file")
    .action(async (options: { cwd?: string; force?: boolean }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const { writeDefaultConfig } = await import("@gadugi/orchestrator");
      const path = await writeDefaultConfig(repoRoot, { force: options.force === true });
      io.stdout(`wrote ${path}\n`);
    });
}
