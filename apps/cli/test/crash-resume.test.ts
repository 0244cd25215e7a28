import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunEvent } from "@gadugi/interfaces";
import { createTempRepo, type TempRepo, useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runCli, treeDigest } from "./run-cli.js";

// A power cut at each moment of a run, then `gadugi resume`: the run must end as an
// uninterrupted one would. Each moment is reached by a pause (a marker file, then sleep) in the
// fixture's own agent, setup or test script, or in a `git` wrapper on PATH; the whole process
// tree is then stopped (SIGSTOP) and killed (SIGKILL), every descendant, whatever its group.

const gadugiBin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));
const temp = useTempDirs();

/** Applies the prompt's fenced blocks relative to $PWD, leaves them uncommitted, logs start and end. */
const AGENT = `
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
const prompt = readFileSync(process.argv[2], "utf8");
const id = /taskid=(\\w+)/.exec(prompt)?.[1] ?? "?";
const mode = prompt.includes("# Document the changes") ? "docs" : prompt.includes("Redo this task on top of merged work") ? "redo" : "implementation";
const log = (what) => appendFileSync(process.env.AGENT_LOG, what + " " + id + " " + mode + "\\n");
log("start");
if (process.env.CRASH_PAUSE === mode && process.env.CRASH_TASK === id && !existsSync(process.env.CRASH_MARKER)) {
  writeFileSync(process.env.CRASH_MARKER, "agent");
  setInterval(() => {}, 1000);
} else {
  if (mode !== "docs") {
    for (const [, file, mode, body] of prompt.matchAll(/\`\`\`js file=(\\S+) mode=(\\S+)\\n([\\s\\S]*?)\`\`\`/g)) {
      const abs = join(process.env.PWD, file);
      mkdirSync(dirname(abs), { recursive: true });
      const current = existsSync(abs) ? readFileSync(abs, "utf8") : "";
      if (current.includes(body)) continue;
      writeFileSync(abs, mode === "append" ? current + body : body);
    }
  }
  log("end");
}
`;

/** A step script (setup, tests) that pauses when CRASH_PAUSE names it and the place matches. */
const STEP = `
import { existsSync, writeFileSync } from "node:fs";
const [step] = process.argv.slice(2);
// The integration tests run on a detached checkout (a pooled worktree lent out, or a new one);
// every task's worktree is on its task branch.
const integration = (await import("node:child_process")).execFileSync("git", ["rev-parse", "--abbrev-ref", "HEAD"], { encoding: "utf8" }).trim() === "HEAD";
const here = integration ? "integration-tests" : step;
if (process.env.CRASH_PAUSE === here && !existsSync(process.env.CRASH_MARKER)) {
  writeFileSync(process.env.CRASH_MARKER, here);
  setInterval(() => {}, 1000);
} else if (step === "tests") {
  await import("node:child_process").then(({ execFileSync }) =>
    execFileSync(process.execPath, ["--test"], { stdio: "inherit" }),
  );
}
`;

/**
 * `git` on PATH: pauses (before, or after with CRASH_GIT_WHEN=after) the first call matching
 * CRASH_GIT; with CRASH_GIT_WHEN=locked it takes the index lock first, as a git killed mid-write
 * leaves it.
 */
function gitWrapper(dir: string): string {
  const real = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  const file = join(dir, "git");
  writeFileSync(
    file,
    `#!/bin/sh
pause() { : > "$CRASH_MARKER"; while :; do sleep 1; done; }
if [ -n "$CRASH_GIT" ] && [ ! -e "$CRASH_MARKER" ]; then
  case "$*" in
    $CRASH_GIT)
      if [ "$CRASH_GIT_WHEN" = after ]; then "${real}" "$@"; pause; fi
      if [ "$CRASH_GIT_WHEN" = locked ]; then : > "$("${real}" rev-parse --git-path index.lock)"; fi
      pause;;
  esac
fi
exec "${real}" "$@"
`,
  );
  chmodSync(file, 0o755);
  return dir;
}

const block = (file: string, mode: "create" | "append", body: string) =>
  `\`\`\`js file=${file} mode=${mode}\n${body}\`\`\``;

/** Four tasks: beta builds on alpha; delta and epsilon both append to shared.txt undeclared (a conflict). */
async function fixture(): Promise<TempRepo> {
  const config = {
    agent: "wrong",
    agents: {
      // The config's default fails: a resume that forgot the run's --agent would show it.
      wrong: { kind: "command", command: ["node", "-e", "process.exit(7)"] },
      dev: { kind: "command", command: ["node", "tools/agent.mjs", "{prompt_file}"] },
    },
    maxParallel: 2,
    setup: { commands: ["node tools/step.mjs setup"] },
    workflow: { testCommand: "node tools/step.mjs tests" },
    integration: { testCommand: "node tools/step.mjs tests" },
  };
  const prompt = (id: string, title: string, body: string, fm = "") =>
    `---\nid: ${id}\n${fm}---\n# ${title}\n\n## Overview\nTask taskid=${id}.\n\n## Implementation\n${body}\n`;
  return temp.track(
    await createTempRepo({
      files: {
        "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
        "shared.txt": "shared\n",
        "test/ok.test.js": 'import { test } from "node:test";\ntest("ok", () => {});\n',
        "tools/agent.mjs": AGENT,
        "tools/step.mjs": STEP,
        "gadugi.config.json": JSON.stringify(config, null, 2),
        "prompts/alpha.md": prompt(
          "alpha",
          "Alpha",
          block("src/alpha.js", "create", "export const a = 1;\n"),
        ),
        "prompts/beta.md": prompt(
          "beta",
          "Beta",
          block("src/alpha.js", "append", "export const b = 2;\n"),
          "depends_on: [alpha]\n",
        ),
        "prompts/delta.md": prompt(
          "delta",
          "Delta",
          `${block("src/delta.js", "create", "export const d = 4;\n")}\n\n${block("shared.txt", "append", "delta\n")}`,
          "files: [src/delta.js]\n",
        ),
        "prompts/epsilon.md": prompt(
          "epsilon",
          "Epsilon",
          `${block("src/epsilon.js", "create", "export const e = 5;\n")}\n\n${block("shared.txt", "append", "epsilon\n")}`,
          "files: [src/epsilon.js]\n",
        ),
      },
    }),
  );
}

/** Every live descendant of `root` (by parent pid), whatever process group it leads. */
function descendants(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of parents.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A power cut: the whole tree stopped first (nothing reacts), then killed. */
function powerCut(child: ChildProcess): void {
  const pids = [child.pid as number, ...descendants(child.pid as number)];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGSTOP");
    } catch {
      // Already gone.
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Processes whose command line names the fixture (agents, setup, tests, git): none may outlive a run. */
function processesIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ");
      const cwd = execFileSync("readlink", [`/proc/${name}/cwd`], { encoding: "utf8" }).trim();
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      if (cmdline.includes(dir) || cwd.startsWith(dir)) out.push(`${name}: ${cmdline}`);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}

/** The run's journal; a line a power cut tore is left out, as the journal reader does. */
function journal(repo: TempRepo, runId: string): RunEvent[] {
  return readFileSync(join(repo.dir, ".gadugi", "runs", runId, "events.jsonl"), "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        return line.trim() === "" ? [] : [JSON.parse(line) as RunEvent];
      } catch {
        return [];
      }
    });
}

/** `<slug> implementation|redo` for every implementation agent run the journal says ended. */
function journaledAgentEnds(repo: TempRepo): Set<string> {
  const runs = join(repo.dir, ".gadugi", "runs");
  const ended = new Set<string>();
  if (!existsSync(runs)) return ended;
  for (const runId of readdirSync(runs)) {
    if (!existsSync(join(runs, runId, "events.jsonl"))) continue;
    const slugs = new Map<string, string>();
    const restarted = new Set<string>();
    for (const e of journal(repo, runId)) {
      if (e.type === "task.added") slugs.set(e.task.id, e.task.slug);
      if (e.type === "task.restarted") restarted.add(e.taskId);
      if (e.type === "agent.run" && e.purpose === "implementation") {
        ended.add(`${slugs.get(e.taskId)} ${restarted.has(e.taskId) ? "redo" : "implementation"}`);
      }
    }
  }
  return ended;
}

interface Moment {
  name: string;
  env: Record<string, string>;
}

const MOMENTS: Moment[] = [
  { name: "during analysis", env: { CRASH_GIT: "*ls-files -z --stage*" } },
  { name: "during worktree creation", env: { CRASH_GIT: "*worktree add*", CRASH_GIT_WHEN: "after" } },
  { name: "during environment setup", env: { CRASH_PAUSE: "setup" } },
  { name: "while agents run", env: { CRASH_PAUSE: "implementation", CRASH_TASK: "alpha" } },
  { name: "between an agent's end and its commit", env: { CRASH_GIT: "*add -A --pathspec-from-file*" } },
  {
    name: "while a git holds a worktree's index lock",
    env: { CRASH_GIT: "*add -A --pathspec-from-file*", CRASH_GIT_WHEN: "locked" },
  },
  { name: "during a merge", env: { CRASH_GIT: "*update-ref -m * refs/heads/gadugi/integration-* ?* ?*" } },
  { name: "during a conflict re-run", env: { CRASH_PAUSE: "redo", CRASH_TASK: "epsilon" } },
  { name: "during the integration tests", env: { CRASH_PAUSE: "integration-tests" } },
  { name: "during report writing", env: { CRASH_GIT: "*diff --name-only -z --no-renames*gadugi/*" } },
  // A merged task's worktree going into the worktree pool (the run's cleanup is the same release).
  { name: "during cleanup", env: { CRASH_GIT: "*checkout --quiet --force --detach*" } },
];

describe("a power cut at any moment of a run, then resume", () => {
  it.each(MOMENTS)(
    "$name: ends as an uninterrupted run would",
    async ({ env: crashEnv }) => {
      const repo = await fixture();
      const bin = gitWrapper(temp.dir());
      const marker = join(temp.dir(), "paused");
      const agentLog = join(temp.dir(), "agent.log");
      writeFileSync(agentLog, "");
      const env: Record<string, string> = {
        ...repo.env,
        PATH: `${bin}:${process.env.PATH}`,
        AGENT_LOG: agentLog,
        CRASH_MARKER: marker,
      };
      const before = {
        tree: treeDigest(repo.dir),
        status: await repo.git(["status", "--porcelain=v1", "--untracked-files=all"]),
        head: await repo.git(["rev-parse", "HEAD"]),
      };

      const child = spawn(process.execPath, [gadugiBin, "run", "prompts/*.md", "--agent", "dev"], {
        cwd: repo.dir,
        env: { ...process.env, ...env, ...crashEnv, NO_COLOR: "1", CI: "1" },
        detached: true,
        stdio: "ignore",
      });
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await waitFor(
        () => existsSync(marker),
        60_000,
        `the run never reached the pause ${JSON.stringify(crashEnv)}`,
      );
      powerCut(child);
      await exited;
      const cut = {
        agentLines: readFileSync(agentLog, "utf8").split("\n").filter(Boolean).length,
        ended: journaledAgentEnds(repo),
      };

      const runs = existsSync(join(repo.dir, ".gadugi", "runs"))
        ? readdirSync(join(repo.dir, ".gadugi", "runs"))
        : [];
      // Killed before the run was recorded (during analysis): the user runs it again.
      const result =
        runs.length === 0
          ? await runCli(repo.dir, ["run", "prompts/*.md", "--agent", "dev", "--json"], { env })
          : await runCli(repo.dir, ["resume", runs[0] as string, "--json"], { env });
      const why = (() => {
        try {
          const body = JSON.parse(result.stdout) as {
            report?: { tasks?: Array<{ slug: string; status: string; error?: string }> };
          };
          return (body.report?.tasks ?? [])
            .filter((t) => t.status !== "completed")
            .map((t) => `${t.slug} ${t.status}: ${t.error ?? ""}`)
            .join("\n");
        } catch {
          const statuses = [
            ...result.stdout.matchAll(
              /"slug":"([^"]+)".{0,400}?"status":"([^"]+)"(?:.{0,300}?"error":"([^"]*)")?/g,
            ),
          ];
          return `${statuses.map((m) => `${m[1]} ${m[2]} ${m[3] ?? ""}`).join("\n")}\n${result.stdout.slice(0, 1500)}`;
        }
      })();
      expect(result.code, `${why}\n${result.stderr}`).toBe(0);
      const [runId] = readdirSync(join(repo.dir, ".gadugi", "runs"));
      const events = journal(repo, runId as string);

      // Every task merged exactly once, in dependency order, with the run's own agent.
      const merged = events.filter((e) => e.type === "merge.result" && e.status === "merged");
      const slugOf = new Map(
        events.flatMap((e) => (e.type === "task.added" ? [[e.task.id, e.task.slug] as const] : [])),
      );
      const mergedIds = merged.map((e) =>
        e.type === "merge.result" ? (slugOf.get(e.taskId) ?? e.taskId) : "",
      );
      expect([...mergedIds].sort()).toEqual(["alpha", "beta", "delta", "epsilon"]);
      expect(mergedIds.indexOf("alpha")).toBeLessThan(mergedIds.indexOf("beta"));
      const agents = new Set(events.flatMap((e) => (e.type === "agent.run" ? [e.agent] : [])));
      expect([...agents]).toEqual(["dev"]);
      // No agent run again whose end the run had journaled before the cut (an agent that ended
      // while its orchestrator was already frozen is unknown to the journal: running it again is right).
      const lines = readFileSync(agentLog, "utf8").trim().split("\n");
      for (const line of lines.slice(cut.agentLines)) {
        const [what, id, mode] = line.split(" ");
        if (what !== "start") continue;
        expect(cut.ended.has(`${id} ${mode}`), `${line} after the cut: ${lines.join(" | ")}`).toBe(false);
      }
      for (const id of ["alpha", "beta", "delta", "epsilon"])
        expect(lines).toContain(`end ${id} implementation`);
      const integration = (
        await repo.git(["branch", "--list", "gadugi/integration-*", "--format=%(refname:short)"])
      ).trim();
      const show = (path: string) => repo.git(["show", `${integration}:${path}`]);
      expect(await show("src/alpha.js")).toBe("export const a = 1;\nexport const b = 2;");
      expect((await show("shared.txt")).split("\n").sort()).toEqual(["delta", "epsilon", "shared"]);

      // No orphan process, no stale worktree (only pooled ones, detached and clean, for the next
      // run), the user's checkout untouched.
      expect(processesIn(repo.dir)).toEqual([]);
      const listed = await runCli(repo.dir, ["worktrees", "list", "--json"], { env });
      const worktrees = JSON.parse(listed.stdout) as Array<{ status: string; path: string }>;
      const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
      expect(
        worktrees.map((w) => w.status),
        `${listed.stdout}\n${warnings.join("\n")}`,
      ).toEqual(worktrees.map(() => "pooled"));
      const porcelain = await repo.git(["worktree", "list", "--porcelain"]);
      expect(porcelain.match(/^worktree /gm)).toHaveLength(1 + worktrees.length);
      expect(porcelain).not.toMatch(/^branch refs\/heads\/gadugi\//m);
      for (const w of worktrees) expect(await repo.git(["-C", w.path, "status", "--porcelain"])).toBe("");
      expect(treeDigest(repo.dir)).toEqual(before.tree);
      expect(await repo.git(["status", "--porcelain=v1", "--untracked-files=all"])).toBe(before.status);
      expect(await repo.git(["rev-parse", "HEAD"])).toBe(before.head);
    },
    180_000,
  );
});
