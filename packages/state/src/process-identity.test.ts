import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { matchProcess, parseStatStartTicks, processStartTicks } from "./index.js";
import { deadPid } from "./test-helpers/index.js";

const children: { kill: () => void }[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe("process identity", () => {
  it("parses field 22 of /proc/<pid>/stat, also when the command name has spaces and parentheses", () => {
    const rest = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
    expect(parseStatStartTicks(`42 (a) b (c)) ${rest}`)).toBe(987654);
    expect(parseStatStartTicks("garbage")).toBeUndefined();
    expect(parseStatStartTicks("42 (x) S 1 2")).toBeUndefined();
  });

  it("tells a live process, a gone one and a pid owned by another process apart", () => {
    const gone = deadPid();
    expect(matchProcess(gone)).toBe("gone");
    expect(matchProcess(gone, 123)).toBe("gone");
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
    children.push(child);
    const pid = child.pid as number;
    // Without a recorded start time, only the pid is checked (locks and registries of older versions).
    expect(matchProcess(pid)).toBe("alive");
    if (process.platform !== "linux") return;
    const ticks = processStartTicks(pid) as number;
    expect(ticks).toBeGreaterThanOrEqual(processStartTicks(process.pid) as number);
    expect(matchProcess(pid, ticks)).toBe("alive");
    expect(matchProcess(pid, ticks - 1)).toBe("reused");
  });

  it("falls back to the pid alone where /proc is not there", () => {
    expect(processStartTicks(process.pid, "/nonexistent-proc")).toBeUndefined();
    expect(matchProcess(process.pid, 1, "/nonexistent-proc")).toBe("alive");
  });
});
