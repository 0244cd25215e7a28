import { Command } from "commander";
import type { CliIo } from "../main.js";

/** `gadugi agents`: which coding-agent CLIs are installed (on PATH) and their versions. */
export function agentsCommand(io: CliIo): Command {
  return new Command("agents")
    .description("list the coding agents Gadugi can run: installed or not, version and path")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { detectAgents } = await import("@gadugi/agents");
      const agents = await detectAgents();
      if (options.json) {
        io.stdout(`${JSON.stringify(agents, null, 2)}\n`);
        return;
      }
      const rows = agents.map((a) => [
        a.kind,
        a.program === undefined ? "built-in" : a.installed ? "installed" : "not found",
        a.version ?? (a.error ? "unknown" : "-"),
        a.program === undefined
          ? "runs the program set in its config"
          : (a.path ?? `(${a.program} is not on PATH)`),
      ]);
      const table = [["AGENT", "STATUS", "VERSION", "PATH"], ...rows];
      const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
      for (const row of table) {
        io.stdout(`${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ")}\n`);
      }
      for (const a of agents) if (a.error) io.stdout(`\n${a.kind}: ${a.error}`);
      if (agents.some((a) => a.error)) io.stdout("\n");
    });
}
