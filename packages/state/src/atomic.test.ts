import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { RunState } from "@gadugi/interfaces";
import { afterEach, describe, expect, it } from "vitest";
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from "./index.js";
import { cleanupTempDirs, listFiles, tempDir } from "./test-helpers/index.js";

afterEach(cleanupTempDirs);

const fixedClock = () => new Date("2025-03-04T05:06:07.089Z");

const validState = {
  runId: "run-1",
  status: "running",
  startedAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  repoRoot: "/repo",
};

describe("writeFileAtomic", () => {
  it("creates missing directories, replaces the file and leaves no temporary files", async () => {
    const dir = await tempDir();
    const file = join(dir, "a", "b", "state.json");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two");
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, `value ${i}`)));
    expect(await readFile(file, "utf8")).toMatch(/^value \d+$/);
    expect(await listFiles(dir)).toEqual(["a/b/state.json"]);
  });

  it("reports a failed write with the path and removes its temporary file", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "state.json"));
    const error = await writeFileAtomic(join(dir, "state.json"), "x").catch((e: unknown) => e);
    expect(GadugiError.is(error)).toBe(true);
    expect((error as Error).message).toContain(join(dir, "state.json"));
    expect(await listFiles(dir)).toEqual([]);
  });
});

describe("readJsonFile", () => {
  it("returns the parsed value with schema defaults", async () => {
    const dir = await tempDir();
    await writeJsonAtomic(join(dir, "state.json"), validState);
    const state = await readJsonFile(RunState, join(dir, "state.json"));
    expect(state.journalSeq).toBe(0);
    expect(state.tasks).toEqual({});
  });

  it("throws GADUGI_STATE_NOT_FOUND for a missing file", async () => {
    const dir = await tempDir();
    await expect(readJsonFile(RunState, join(dir, "nope.json"))).rejects.toMatchObject({
      code: "GADUGI_STATE_NOT_FOUND",
      args: { path: join(dir, "nope.json") },
    });
  });

  it("moves bad JSON aside to a timestamped name and says where it went", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, '{"runId": "run-1", "sta');
    const error = (await readJsonFile(RunState, file, { now: fixedClock }).catch(
      (e: unknown) => e,
    )) as GadugiError;
    expect(error.code).toBe("GADUGI_STATE_CORRUPT");
    const movedTo = `${file}.corrupt-20250304T050607089Z`;
    expect(error.args).toMatchObject({ path: file, movedTo });
    expect(error.message).toContain(file);
    expect(error.message).toContain(movedTo);
    expect(error.message).toContain("not valid JSON");
    expect(await readFile(movedTo, "utf8")).toBe('{"runId": "run-1", "sta');
    expect(await listFiles(dir)).toEqual(["state.json.corrupt-20250304T050607089Z"]);
  });

  it("moves a schema mismatch aside without overwriting an earlier moved-aside file", async () => {
    const dir = await tempDir();
    const file = join(dir, "state.json");
    await writeFile(file, JSON.stringify({ ...validState, status: "bogus" }));
    await readJsonFile(RunState, file, { now: fixedClock }).catch(() => undefined);
    await writeFile(file, JSON.stringify({ runId: "" }));
    const error = (await readJsonFile(RunState, file, { now: fixedClock }).catch(
      (e: unknown) => e,
    )) as GadugiError<"GADUGI_STATE_CORRUPT">;
    expect(error.code).toBe("GADUGI_STATE_CORRUPT");
    expect(error.args.reason).toContain("does not match its schema");
    expect(error.args.reason).toContain("runId");
    const files = await listFiles(dir);
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.startsWith("state.json.corrupt-20250304T050607089Z"))).toBe(true);
    const contents = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
    expect(contents.some((c) => c.includes("bogus"))).toBe(true);
  });
});
