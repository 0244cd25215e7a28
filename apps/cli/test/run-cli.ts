import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SAMPLE_REPO_SOURCE } from "@gadugi/orchestrator";
import { createTempRepo, type TempRegistry, type TempRepo } from "@gadugi/test-utils";

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface CliCall {
  /** `gadugi` (default) or `orchestrator-agent`: a binary of the built CLI. */
  bin?: "gadugi" | "orchestrator-agent";
  /** Laid over the environment (after `withoutEnv` took its keys out). */
  env?: Record<string, string>;
  /** Variables of this process the CLI must not see (e.g. `/^GIT_/`). */
  withoutEnv?: RegExp;
  /** Written to stdin, which is then closed (at once when unset). */
  input?: string;
}

/** Runs the built CLI in `cwd` with `args`, no colours, as CI would; resolves when it exits. */
export function runCli(cwd: string, args: string[], call: CliCall = {}): Promise<CliResult> {
  const bin = fileURLToPath(new URL(`../dist/bin/${call.bin ?? "gadugi"}.js`, import.meta.url));
  const inherited = Object.entries(process.env).filter(([key]) => !call.withoutEnv?.test(key));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...Object.fromEntries(inherited), ...call.env, NO_COLOR: "1", CI: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(call.input ?? "");
  });
}

/**
 * path → sha256 of every file of a checkout outside .git, .gadugi and .worktrees, to show that a
 * run left the user's tree byte-identical.
 */
export function treeDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const rel = relative(root, abs);
      if ([".git", ".gadugi", ".worktrees"].includes(rel)) continue;
      if (entry.isDirectory()) walk(abs);
      else out[rel] = createHash("sha256").update(readFileSync(abs)).digest("hex");
    }
  };
  walk(root);
  return out;
}

/**
 * A config whose agent is the sample agent working `workMs` per task (standing in for real work),
 * with `node --test` as the task and integration test command.
 */
export function sampleWorkConfig(workMs: number): Record<string, unknown> {
  return {
    maxParallel: 4,
    agent: "sample",
    agents: {
      sample: {
        kind: "command",
        command: ["node", "tools/sample-agent.mjs", "{prompt_file}", "--work-ms", String(workMs)],
        timeoutSec: 120,
      },
    },
    workflow: { testCommand: "node --test" },
    integration: { testCommand: "node --test" },
  };
}

/** The config's `agents.sample`: the demo's sample agent, carrying out a prompt's fenced blocks. */
export const SAMPLE_AGENT = {
  kind: "command",
  command: ["node", "tools/sample-agent.mjs", "{prompt_file}"],
} as const;

/** A prompt the sample agent carries out: create `file`. */
export function samplePrompt(title: string, file: string, frontmatter = ""): string {
  return `${frontmatter ? `---\n${frontmatter}\n---\n` : ""}# ${title}\n\n## Overview\nCreate \`${file}\`.\n\n## Implementation\n\`\`\`js file=${file} mode=create\nexport const v = ${JSON.stringify(title)};\n\`\`\`\n`;
}

/**
 * A temp repository (removed after the test) with `files` in its first commit and the sample
 * agent committed in `tools/` after them.
 */
export async function repoWithSampleAgent(
  temp: TempRegistry,
  files: Record<string, string>,
): Promise<TempRepo> {
  const repo = temp.track(await createTempRepo({ files }));
  mkdirSync(join(repo.dir, "tools"), { recursive: true });
  copyFileSync(
    join(SAMPLE_REPO_SOURCE, "tools", "sample-agent.mjs"),
    join(repo.dir, "tools", "sample-agent.mjs"),
  );
  await repo.commit("add the sample agent");
  return repo;
}
