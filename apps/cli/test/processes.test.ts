import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type TempRepo, useTempDirs, waitFor } from "@gadugi/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { repoWithSampleAgent, runCli, SAMPLE_AGENT } from "./run-cli.js";

const gadugiBin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));
const temp = useTempDirs();
const started: ChildProcess[] = [];
const groups: number[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
});

interface Registered {
  pid: number;
  purpose: string;
  status: string;
  startTicks?: number;
}

/** A repository whose test command never ends: a shell that waits on a `sleep` it started. */
async function fixture(): Promise<{ repo: TempRepo; memberFile: string }> {
  const memberFile = join(temp.dir(), "member.pid");
  const config = {
    agent: "sample",
    agents: { sample: SAMPLE_AGENT },
    workflow: { testCommand: ["sh", "-c", `sleep 300 & echo $! > '${memberFile}'; wait`] },
  };
  const repo = await repoWithSampleAgent(temp, {
    "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
    "gadugi.config.json": JSON.stringify(config),
    "prompts/one.md":
      "# One\n\n## Overview\nCreate `src/one.js`.\n\n## Implementation\n```js file=src/one.js mode=create\nexport const one = 1;\n```\n",
  });
  return { repo, memberFile };
}

function registry(repo: TempRepo): { runId: string; processes: Registered[] } | undefined {
  const runs = join(repo.dir, ".gadugi", "runs");
  const [runId] = existsSync(runs) ? readdirSync(runs) : [];
  const file = runId && join(runs, runId, "processes.json");
  if (!runId || !file || !existsSync(file)) return undefined;
  return { runId, processes: JSON.parse(readFileSync(file, "utf8")).processes };
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
  } catch {
    return false;
  }
}

/** Starts `gadugi run` and waits until its test command runs; returns the run and the test's group. */
async function runUntilTesting(repo: TempRepo, memberFile: string) {
  const child = spawn(process.execPath, [gadugiBin, "run", "prompts/one.md"], {
    cwd: repo.dir,
    env: { ...process.env, ...repo.env, NO_COLOR: "1", CI: "1" },
    stdio: "ignore",
  });
  started.push(child);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await waitFor(
    () =>
      !!registry(repo)?.processes.some((p) => p.purpose === "test" && p.status === "running") &&
      existsSync(memberFile),
    60_000,
    "the test command never ran",
    50,
  );
  const { runId, processes } = registry(repo)!;
  const test = processes.find((p) => p.purpose === "test")!;
  groups.push(test.pid);
  await waitFor(() => readFileSync(memberFile, "utf8").trim() !== "", 5000, "no member pid", 20);
  const member = Number(readFileSync(memberFile, "utf8"));
  return { child, exited, runId, test, member };
}

describe.runIf(process.platform !== "win32")("gadugi cancel and the processes of a run", () => {
  it("cancel of a live run kills the test command's whole process group", async () => {
    const { repo, memberFile } = await fixture();
    const { exited, runId, test, member } = await runUntilTesting(repo, memberFile);
    if (process.platform === "linux") expect(test.startTicks).toBeGreaterThan(0);
    const cancel = await runCli(repo.dir, ["cancel", runId]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain("sent SIGTERM");
    expect(await exited).toBe(143);
    await waitFor(() => gone(test.pid) && gone(member), 10_000, "the test command's group survived cancel");
  }, 90_000);

  it("after the orchestrator was killed with SIGKILL, cancel kills the test command it left running", async () => {
    const { repo, memberFile } = await fixture();
    const { child, exited, runId, test, member } = await runUntilTesting(repo, memberFile);
    child.kill("SIGKILL");
    await exited;
    // Its exit hook never ran: the test command's group outlives it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gone(test.pid) || gone(member)).toBe(false);
    const cancel = await runCli(repo.dir, ["cancel", runId]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`run ${runId} is cancelled`);
    expect(cancel.stdout).toContain(`killed leftover process groups: ${test.pid}`);
    await waitFor(() => gone(test.pid) && gone(member), 10_000, "the leftover group survived cancel");
    expect(registry(repo)?.processes.find((p) => p.pid === test.pid)?.status).toBe("killed");
  }, 90_000);
});
