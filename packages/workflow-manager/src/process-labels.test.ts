import { createProcessRunner, type ProcessLabel, type ProcessRunner } from "@gadugi/git";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { createHarness, TASK_ID } from "./test-helpers/index.js";

const temp = useTempDirs();

describe("process labels", () => {
  it("labels the setup, test and review commands with the task and their purpose, so they can be registered", async () => {
    const h = await createHarness(temp, {
      github: "none",
      origin: "none",
      config: { setup: { commands: [`"${process.execPath}" -e "1"`] } },
      workflow: { reviewCommand: `"${process.execPath}" review.mjs` },
    });
    const seen: { file: string; label?: ProcessLabel }[] = [];
    const real = createProcessRunner();
    const runner: ProcessRunner = {
      run: (file, args, options) => {
        seen.push({ file, ...(options.label ? { label: options.label } : {}) });
        return real.run(file, args, options);
      },
    };
    const state = await h.run({}, h.createManager({ runner }));
    expect(state.status).toBe("completed");
    const labelled = seen.filter((s) => s.file !== "git" && s.label);
    expect(labelled.map((s) => [s.file, s.label?.taskId, s.label?.purpose])).toEqual([
      [process.execPath, TASK_ID, "setup"],
      [process.execPath, TASK_ID, "test"],
      [process.execPath, TASK_ID, "review"],
    ]);
    expect(labelled[1]?.label?.logFile).toMatch(/test/);
    // Nothing else but git runs unlabelled.
    expect(seen.filter((s) => s.file !== "git" && !s.label)).toEqual([]);
  }, 60_000);
});
