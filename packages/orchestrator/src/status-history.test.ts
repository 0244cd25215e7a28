import { EventJournal } from "@gadugi/state";
import { TaskTracker } from "@gadugi/task-tracking";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator } from "./engine.js";
import { repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

/** A prompt that creates its own file and writes `shared.txt`, so two of them conflict. */
function sharing(title: string): string {
  return `---\nfiles: [src/${title}.js]\n---\n# ${title}\n\n## Implementation\n\`\`\`js file=src/${title}.js mode=create\nexport const v = 1;\n\`\`\`\n\n\`\`\`js file=shared.txt mode=create\n${title}\n\`\`\`\n`;
}

describe("a run's journal through the status machine", () => {
  it("replays every task status of a run and its resume with no illegal transition", async () => {
    const repo = await repoWithSampleAgent(
      temp,
      {
        "good.md": samplePrompt("Good", "src/good.js"),
        // No fenced block: the sample agent exits 1, so the task fails (and again on resume).
        "bad.md": "# Bad\n\n## Overview\nCreate `src/bad.js`.\n",
        "after-bad.md": samplePrompt("After bad", "src/after-bad.js", "depends_on: [bad]"),
        // Both write shared.txt unseen by the analysis: one is re-run on the integration tip.
        "left.md": sharing("left"),
        "right.md": sharing("right"),
      },
      sampleConfig(),
    );
    const orchestrator = new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env });
    const first = await orchestrator.run({
      promptFiles: [
        "prompts/good.md",
        "prompts/bad.md",
        "prompts/after-bad.md",
        "prompts/left.md",
        "prompts/right.md",
      ],
    });
    expect(first.status).toBe("failed");
    const resumed = await orchestrator.resume({ runId: first.runId });

    const { events } = await EventJournal.forRun(repo.dir, first.runId).read();
    const tracker = new TaskTracker();
    const moves: string[] = [];
    for (const event of events) {
      if (event.type === "task.added" && !tracker.has(event.task.id))
        tracker.add(event.task.id, event.task.status);
      if (event.type !== "task.status") continue;
      const from = tracker.status(event.taskId);
      // The journal lets a status said again through as no change (never `running`).
      if (from === event.status && from !== "running") continue;
      tracker.transition(event.taskId, event.status, event.reason);
      moves.push(`${from}→${event.status}`);
    }
    const bySlug = Object.fromEntries(resumed.report.tasks.map((t) => [t.slug, t]));
    for (const task of resumed.report.tasks) expect(tracker.status(task.id), task.slug).toBe(task.status);
    expect(bySlug.good?.status).toBe("completed");
    expect(bySlug.bad?.status).toBe("failed");
    expect(bySlug["after-bad"]?.status).toBe("skipped");
    expect(bySlug.left?.status).toBe("completed");
    expect(bySlug.right?.status).toBe("completed");
    // The run made the moves a real run makes: a conflict re-run, and a resume reopening tasks.
    expect(moves).toContain("completed→queued");
    expect(moves).toContain("failed→queued");
  }, 90_000);
});
