import type { AgentEvent, AgentRunRequest, AgentRunResult } from "@gadugi/interfaces";
import { type RunAgentOptions, runAgent } from "./run-agent.js";

export interface AgentStream extends AsyncIterable<AgentEvent> {
  /** The run's result, once the process has ended (also when the loop stopped early). */
  readonly result: Promise<AgentRunResult>;
}

/**
 * The agent's normalized events as an async stream, ending with its `finished` event:
 *
 * ```ts
 * const stream = streamAgent(request, { timeoutMs });
 * for await (const event of stream) if (event.type === "tool_call") console.log(event.tool);
 * const result = await stream.result;
 * ```
 *
 * Leaving the loop early does not stop the agent; abort `options.signal` for that.
 */
export function streamAgent(
  request: AgentRunRequest,
  options: Omit<RunAgentOptions, "onEvent"> = {},
): AgentStream {
  const buffered: AgentEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const result = runAgent(request, {
    ...options,
    onEvent: (event) => {
      buffered.push(event);
      wake?.();
    },
  }).finally(() => {
    done = true;
    wake?.();
  });
  // A failure of runAgent itself (log not writable) surfaces through `result` and the loop.
  result.catch(() => undefined);
  return {
    result,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = buffered.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (done) {
          await result;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}
