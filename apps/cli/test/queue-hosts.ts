import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunEvent } from "@gadugi/interfaces";
import type { TempRegistry } from "@gadugi/test-utils";
import { repoWithSampleAgent, sampleWorkConfig } from "./run-cli.js";

// One machine as three "hosts" for the queue tests: a bare remote repository, `gadugi worker`
// processes with work dirs of their own (nothing shared but Redis and the remote), and the
// orchestrator in its own repository.

export const gadugiBin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));

export const line = (name: string) => `export const ${name} = ${JSON.stringify(name)};\n`;

export function prompt(
  title: string,
  blocks: { file: string; mode: "append" | "create"; body: string }[],
  frontmatter = "",
): string {
  const fm = `---\nid: ${title.toLowerCase()}\n${frontmatter ? `${frontmatter}\n` : ""}---\n`;
  const body = blocks.map((b) => `\`\`\`js file=${b.file} mode=${b.mode}\n${b.body}\`\`\``).join("\n\n");
  return `${fm}# ${title}\n\n## Overview\nDo it.\n\n## Implementation\n${body}\n`;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Its output so far (the start line, job lines). */
  log: () => string;
}

/** A `gadugi worker` process with a 4 s lock; `workers` collects it for killing after the test. */
export function startWorker(
  workers: ChildProcess[],
  url: string,
  workDir: string,
  env: Record<string, string>,
  concurrency = 2,
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      gadugiBin,
      "worker",
      "--queue",
      url,
      "--concurrency",
      String(concurrency),
      "--workdir",
      workDir,
      "--lock-duration",
      "4s",
    ],
    { env: { ...process.env, ...env, NO_COLOR: "1", CI: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  workers.push(child);
  let log = "";
  child.stdout?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  return { child, log: () => log };
}

/** The orchestrator's repository (sample agent, `workMs` of agent work per task) and its bare remote. */
export async function hosts(temp: TempRegistry, prompts: Record<string, string>, workMs: number) {
  const config = sampleWorkConfig(workMs);
  const repo = await repoWithSampleAgent(temp, {
    "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
    "test/base.test.js": 'import { test } from "node:test";\ntest("base", () => {});\n',
    "shared.txt": "shared\n",
    "gadugi.config.json": `${JSON.stringify(config, null, 2)}\n`,
    ...Object.fromEntries(Object.entries(prompts).map(([name, text]) => [`prompts/${name}`, text])),
  });
  const remote = join(temp.dir("gadugi-remote-"), "remote.git");
  execFileSync("git", ["init", "--quiet", "--bare", remote]);
  await repo.git(["remote", "add", "origin", remote]);
  await repo.git(["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
  const agentLog = join(temp.dir(), "agent.log");
  writeFileSync(agentLog, "");
  return { repo, remote, env: { ...repo.env, GADUGI_SAMPLE_AGENT_LOG: agentLog } };
}

export function journal(dir: string, runId: string): RunEvent[] {
  return readFileSync(join(dir, ".gadugi", "runs", runId, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RunEvent);
}
