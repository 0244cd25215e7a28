import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type WorktreeRecord, WorktreeRegistry } from "./registry.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function registryFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "gadugi-registry-"));
  dirs.push(dir);
  return path.join(dir, "worktrees.json");
}

const record = (taskId: string): WorktreeRecord => ({
  runId: "r1",
  taskId,
  slug: taskId,
  path: `/tmp/wt/${taskId}`,
  branch: `gadugi/${taskId}`,
  baseRef: "main",
  baseCommit: "a".repeat(40),
  status: "active",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  owner: { pid: 1, host: "h" },
  savedWork: [],
});

describe("WorktreeRegistry", () => {
  it("reads back what it wrote, and checks a file another process rewrote against the schema", async () => {
    const file = await registryFile();
    const registry = new WorktreeRegistry(file);
    await registry.update((records) => records.push(record("t1")));
    expect(await registry.read()).toEqual([record("t1")]);
    // Another writer's file: an older layout (no savedWork) gets the schema's defaults...
    const { savedWork: _saved, ...old } = record("t2");
    await writeFile(file, JSON.stringify({ version: 1, worktrees: [old] }));
    expect(await registry.read()).toEqual([record("t2")]);
    // ...and a broken one is refused, naming the file.
    const broken = { version: 1, worktrees: [{ ...record("t3"), status: "lost" }] };
    await writeFile(file, JSON.stringify(broken));
    await expect(registry.read()).rejects.toThrow(file);
  });

  it("hands out records the caller may change without changing the next read", async () => {
    const file = await registryFile();
    const registry = new WorktreeRegistry(file);
    await registry.update((records) => records.push(record("t1")));
    const first = await registry.read();
    (first[0] as WorktreeRecord).status = "removed";
    expect((await registry.read())[0]?.status).toBe("active");
    expect(JSON.parse(await readFile(file, "utf8")).worktrees[0].status).toBe("active");
  });
});
