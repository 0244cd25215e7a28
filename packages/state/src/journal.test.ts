import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { afterEach, describe, expect, it } from "vitest";
import { EventJournal } from "./index.js";
import { cleanupTempDirs, listFiles, tempDir } from "./test-helpers/index.js";

afterEach(cleanupTempDirs);

const clock = () => new Date("2025-03-04T05:06:07.089Z");

async function journalWithEvents(count: number) {
  const repo = await tempDir();
  const journal = EventJournal.forRun(repo, "run-1", { now: clock });
  await journal.append({ type: "run.started", repoRoot: repo });
  for (let i = 1; i < count; i++) await journal.append({ type: "warning", message: `w${i}` });
  return { repo, journal };
}

describe("EventJournal", () => {
  it("stamps seq, at and runId, one JSON line per event", async () => {
    const { journal } = await journalWithEvents(3);
    const lines = (await readFile(journal.path, "utf8")).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe("");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      seq: 1,
      at: "2025-03-04T05:06:07.089Z",
      runId: "run-1",
      type: "run.started",
      promptFiles: [],
    });
    const { events, warnings, lastSeq } = await journal.read();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(warnings).toEqual([]);
    expect(lastSeq).toBe(3);
  });

  it("continues seq after reopening", async () => {
    const { repo } = await journalWithEvents(2);
    const reopened = EventJournal.forRun(repo, "run-1");
    expect(await reopened.lastSeq()).toBe(2);
    const event = await reopened.append({ type: "warning", message: "again" });
    expect(event.seq).toBe(3);
  });

  it("keeps seq in order under concurrent appends", async () => {
    const { journal } = await journalWithEvents(1);
    const events = await Promise.all(
      Array.from({ length: 20 }, (_, i) => journal.append({ type: "warning", message: String(i) })),
    );
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect((await journal.read()).events.map((e) => e.seq)).toEqual(
      Array.from({ length: 21 }, (_, i) => i + 1),
    );
  });

  it("rejects an invalid event without writing it", async () => {
    const { journal } = await journalWithEvents(1);
    const bad = { type: "task.status", taskId: "t", status: "exploded" } as never;
    await expect(journal.append(bad)).rejects.toMatchObject({ code: "GADUGI_INVALID_DATA" });
    expect((await journal.append({ type: "warning", message: "ok" })).seq).toBe(2);
  });

  it("stores only the patch keys a task.updated event was given", async () => {
    const { journal } = await journalWithEvents(1);
    const event = await journal.append({ type: "task.updated", taskId: "t1", patch: { branch: "gadugi/x" } });
    expect(event).toMatchObject({ patch: { branch: "gadugi/x" } });
    expect(Object.keys(event.type === "task.updated" ? event.patch : {})).toEqual(["branch"]);
    const read = (await journal.read()).events[1];
    expect(read?.type === "task.updated" && Object.keys(read.patch)).toEqual(["branch"]);
  });

  it("reads a missing journal as empty", async () => {
    const repo = await tempDir();
    expect(await EventJournal.forRun(repo, "nope").read()).toEqual({ events: [], warnings: [], lastSeq: 0 });
  });

  it("tolerates a truncated last line with a warning and does not count it", async () => {
    const { repo, journal } = await journalWithEvents(3);
    await appendFile(journal.path, '{"seq":4,"at":"2025-03-04T05:06:07.089Z","runId":"run-1","type":"war');
    const { events, warnings, lastSeq } = await journal.read();
    expect(events).toHaveLength(3);
    expect(lastSeq).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${journal.path}:4`);

    // The next writer moves the partial line aside and continues cleanly after the last good one.
    const writer = EventJournal.forRun(repo, "run-1", { now: clock });
    expect((await writer.append({ type: "warning", message: "after crash" })).seq).toBe(4);
    const after = await writer.read();
    expect(after.warnings).toEqual([]);
    expect(after.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const files = await listFiles(join(repo, ".gadugi", "runs", "run-1"));
    expect(files).toEqual(["events.jsonl", "events.jsonl.partial-20250304T050607089Z"]);
    expect(await readFile(`${journal.path}.partial-20250304T050607089Z`, "utf8")).toContain('"type":"war');
  });

  it("accepts a complete last line without its newline and appends after it", async () => {
    const { repo, journal } = await journalWithEvents(2);
    const text = await readFile(journal.path, "utf8");
    await writeFile(journal.path, text.trimEnd());
    expect((await journal.read()).events).toHaveLength(2);
    const writer = EventJournal.forRun(repo, "run-1");
    await writer.append({ type: "warning", message: "x" });
    expect((await writer.read()).events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("fails on a bad line in the middle, naming the file and line number", async () => {
    const { journal } = await journalWithEvents(4);
    const lines = (await readFile(journal.path, "utf8")).split("\n");
    lines[1] = "{not json";
    await writeFile(journal.path, lines.join("\n"));
    const error = (await journal.read().catch((e: unknown) => e)) as GadugiError<"GADUGI_STATE_CORRUPT">;
    expect(GadugiError.is(error, "GADUGI_STATE_CORRUPT")).toBe(true);
    expect(error.args.path).toBe(journal.path);
    expect(error.message).toContain(journal.path);
    expect(error.message).toContain("line 2");
    expect(error.hint).toContain("Line 2");
  });

  it("fails on a line of another run and warns about seq gaps", async () => {
    const { journal } = await journalWithEvents(2);
    const lines = (await readFile(journal.path, "utf8")).trim().split("\n");
    const gap = { ...JSON.parse(lines[1] as string), seq: 7 };
    await writeFile(journal.path, `${lines.join("\n")}\n${JSON.stringify(gap)}\n`);
    const read = await journal.read();
    expect(read.lastSeq).toBe(7);
    expect(read.warnings[0]).toContain("seq jumps from 2 to 7");

    const foreign = { ...JSON.parse(lines[1] as string), runId: "other" };
    await writeFile(journal.path, `${JSON.stringify(foreign)}\n${lines.join("\n")}\n`);
    await expect(journal.read()).rejects.toMatchObject({ code: "GADUGI_STATE_CORRUPT" });
  });
});
