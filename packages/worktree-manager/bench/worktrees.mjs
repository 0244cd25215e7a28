// Creates and removes 32 worktrees on a generated 5,000-file repository with raw
// `git worktree add`/`remove` (+ `git branch -D`) and with WorktreeManager (create, then remove with
// deleteBranch), in the same run, and prints both and our overhead.
//
// The machine is shared, so load drifts by several times within a minute: the two are interleaved
// one worktree at a time (alternating which goes first), so both see the same conditions. Needs
// the package built (`tsc -b`). Usage: node bench/worktrees.mjs [count=32] [files=5000]
import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { generateTsRepo } from "@gadugi/test-utils";
import { WorktreeManager } from "../dist/index.js";

const COUNT = Number(process.argv[2] ?? 32);
const FILES = Number(process.argv[3] ?? 5000);

const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "gadugi-bench-wt-")));
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
const git = (args) =>
  execFileSync("git", args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] }).toString();

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const { files } = generateTsRepo(dir, { modules: FILES - 2 });
  git(["init", "-q", "-b", "main"]);
  git(["add", "-A"]);
  git(["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "generated"]);
  console.log(`repository: ${files.length} tracked files; ${COUNT} worktrees each way`);

  const manager = new WorktreeManager({ repoRoot: dir, env: { GIT_CONFIG_NOSYSTEM: "1" } });
  const rawPath = (i) => path.join(dir, ".raw", `raw-${i}`);
  const steps = {
    raw: {
      create: (i) => git(["worktree", "add", "-q", "-b", `raw/${i}`, rawPath(i), "main"]),
      remove: (i) => {
        git(["worktree", "remove", rawPath(i)]);
        git(["branch", "-D", `raw/${i}`]);
      },
    },
    ours: {
      create: (i) => manager.create({ runId: "bench", taskId: `task-${i}`, slug: `bench ${i}` }),
      remove: async (i) => {
        const entry = await manager.remove(`task-${i}`, { deleteBranch: true });
        if (entry.action !== "removed" || !entry.branchDeleted) throw new Error(JSON.stringify(entry));
      },
    },
  };

  // Warm-up (page cache, git's object access, our lazily resolved context), not measured.
  await steps.raw.create("warm");
  await steps.raw.remove("warm");
  await manager.create({ runId: "warm", taskId: "warm", slug: "warm" });
  await manager.remove("warm", { deleteBranch: true });

  const times = { raw: { create: [], remove: [] }, ours: { create: [], remove: [] } };
  for (const phase of ["create", "remove"]) {
    for (let i = 0; i < COUNT; i++) {
      const order = i % 2 === 0 ? ["raw", "ours"] : ["ours", "raw"];
      for (const which of order) times[which][phase].push(await timed(() => steps[which][phase](i)));
    }
  }

  const line = (which) => {
    const t = times[which];
    const c = sum(t.create) / 1000;
    const r = sum(t.remove) / 1000;
    return `${(c + r).toFixed(2)} s (create ${c.toFixed(2)} s, median ${median(t.create).toFixed(0)} ms; remove ${r.toFixed(2)} s, median ${median(t.remove).toFixed(0)} ms)`;
  };
  const total = (which) => sum(times[which].create) + sum(times[which].remove);
  const overhead = ((total("ours") - total("raw")) / total("raw")) * 100;
  const pairs = times.raw.create.map((_, i) => {
    const raw = times.raw.create[i] + times.raw.remove[i];
    return (times.ours.create[i] + times.ours.remove[i] - raw) / raw;
  });
  console.log(`raw git         : ${line("raw")}`);
  console.log(`WorktreeManager : ${line("ours")}`);
  console.log(
    `overhead        : ${overhead.toFixed(1)}% of total time (median per worktree ${(median(pairs) * 100).toFixed(1)}%); target <= 15%`,
  );
  process.exitCode = overhead <= 15 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
