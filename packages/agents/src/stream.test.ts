import { join } from "node:path";
import { createFakeAgent, prependPath, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { streamAgent } from "./stream.js";
import { makeRequest } from "./test-helpers/request.js";

const temp = useTempDirs();

describe("streamAgent", () => {
  it("yields the normalized events of a real capture in order, ending with finished", async () => {
    const dir = temp.dir();
    createFakeAgent(join(dir, "bin"), { name: "claude", capture: "claude-tool-allowed", delayMs: 5 });
    const stream = streamAgent(makeRequest(dir, { kind: "claude" }), {
      env: prependPath(join(dir, "bin")),
      timeoutMs: 10_000,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe("started");
    expect(types).toContain("tool_call");
    expect(types.at(-1)).toBe("finished");
    const result = await stream.result;
    expect(result.outcome).toBe("ok");
  });

  it("ends the stream with a failed finish when the program is missing", async () => {
    const dir = temp.dir();
    const stream = streamAgent(makeRequest(dir, { kind: "command", command: ["gadugi-no-such-program"] }));
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: "finished", outcome: "failed" });
    expect((await stream.result).reason).toMatch(/gadugi-no-such-program/);
  });
});
