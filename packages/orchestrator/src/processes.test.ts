import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ProcessRegistry, ProcessRegistryFile } from "@gadugi/execution-monitor";
import { isProcessAlive, processStartTicks } from "@gadugi/state";
import { type TempRepo, useTempDirs, waitFor } from "@gadugi/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { Orchestrator, runFiles } from "./engine.js";
import { repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

const onLinux = process.platform === "linux";

function repoWith(extraConfig: Record<string, unknown> = {}): Promise<TempRepo> {
  return repoWithSampleAgent(
    temp,
    { "one.md": samplePrompt("One", "src/one.js") },
    sampleConfig(extraConfig),
  );
}

function processes(repo: TempRepo, runId: string): ProcessRegistryFile["processes"] {
  const path = join(runFiles(repo.dir, runId).dir, "processes.json");
  if (!existsSync(path)) return [];
  return ProcessRegistryFile.parse(JSON.parse(readFileSync(path, "utf8"))).processes;
}

/** A detached process group, as the process runner starts them: `sh` leading, a `sleep` inside. */
async function group(): Promise<{ leader: number; member: number }> {
  const child = spawn("sh", ["-c", "sleep 120 & echo $!; wait"], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.push(child);
  const member = Number(
    await new Promise<string>((resolve) => child.stdout?.once("data", (d) => resolve(String(d)))),
  );
  return { leader: child.pid as number, member };
}

/** Gone, or a zombie waiting for a parent that may never reap it. */
function gone(pid: number): boolean {
  if (!isProcessAlive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
  } catch {
    return !isProcessAlive(pid);
  }
}

describe("the processes of a run", () => {
  it("registers setup and test commands with task, purpose and start time while they run", async () => {
    const slow = `node -e "setTimeout(() => {}, 1500)"`;
    const repo = await repoWith({ setup: { commands: [slow] }, workflow: { testCommand: `${slow}` } });
    let runId = "";
    const running = new Orchestrator({
      repoRoot: repo.dir,
      github: false,
      env: repo.env,
      onEvent: (event) => {
        runId ||= event.runId;
      },
    }).run({ promptFiles: ["prompts/one.md"] });
    for (const purpose of ["setup", "test"]) {
      await waitFor(
        () =>
          runId !== "" && processes(repo, runId).some((p) => p.purpose === purpose && p.status === "running"),
        30_000,
        `no running ${purpose} process registered`,
        20,
      );
      const live = processes(repo, runId).find((p) => p.purpose === purpose && p.status === "running");
      expect(live?.command).toEqual(["node", "-e", "setTimeout(() => {}, 1500)"]);
      expect(live?.taskId).toMatch(/^task-/);
      if (onLinux) expect(live?.startTicks).toBe(processStartTicks(live?.pid as number));
    }
    const result = await running;
    expect(result.status).toBe("completed");
    const records = processes(repo, result.runId);
    expect(records.map((p) => p.purpose).sort()).toEqual([
      "documentation",
      "implementation",
      "integration-setup",
      "integration-test",
      "setup",
      "test",
    ]);
    expect(records.every((p) => p.status === "exited" && p.exitCode === 0)).toBe(true);
    expect(records.find((p) => p.purpose === "integration-test")?.taskId).toBe(`integration-${result.runId}`);
  }, 60_000);

  it("resume and cancel kill what a dead orchestrator left running, but never a reused pid", async () => {
    const repo = await repoWith();
    const orchestrator = new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env });
    const { runId } = await orchestrator.run({ promptFiles: ["prompts/one.md"] });
    const dir = runFiles(repo.dir, runId).dir;

    // The orchestrator was killed with SIGKILL while a test command ran: its group is still there,
    // registered as running. Another entry's pid now belongs to an unrelated process (it leads a
    // group too, so a kill without the start-time check would hit it).
    const leftover = await group();
    const unrelated = await group();
    const crashed = await ProcessRegistry.open(dir, { runId });
    await crashed.register({
      taskId: "t",
      pid: leftover.leader,
      command: ["sh"],
      cwd: dir,
      purpose: "test",
      logFile: "",
    });
    const ticks = processStartTicks(unrelated.leader);
    await crashed.register({
      taskId: "old",
      pid: unrelated.leader,
      command: ["agent"],
      cwd: dir,
      logFile: "",
      ...(ticks === undefined ? {} : { startTicks: ticks + 7 }),
    });
    await crashed.close();

    const resumed = await orchestrator.resume({ runId });
    expect(resumed.status).toBe("completed");
    await waitFor(() => gone(leftover.leader) && gone(leftover.member), 5000, "the leftover group survived");
    const after = processes(repo, runId);
    expect(after.find((p) => p.taskId === "t")).toMatchObject({ status: "killed", signal: "SIGKILL" });
    if (!onLinux) return;
    expect(after.find((p) => p.taskId === "old")?.status).toBe("lost");
    expect(gone(unrelated.leader) || gone(unrelated.member)).toBe(false);

    // The same for cancel.
    const again = await group();
    const second = await ProcessRegistry.open(dir, { runId });
    await second.register({
      taskId: "t2",
      pid: again.leader,
      command: ["sh"],
      cwd: dir,
      purpose: "review",
      logFile: "",
    });
    await second.close();
    expect(await orchestrator.cancel(runId)).toEqual({ killed: [again.leader], status: "completed" });
    await waitFor(() => gone(again.leader) && gone(again.member), 5000, "the leftover group survived cancel");
    expect(gone(unrelated.leader) || gone(unrelated.member)).toBe(false);
  }, 60_000);
});
