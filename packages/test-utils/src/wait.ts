/**
 * Polls `check` every `intervalMs` until it is true; throws `message` after `timeoutMs`. For tests
 * that wait on another process (a log line, a journal event, a pid going away).
 */
export async function waitFor(
  check: () => boolean,
  timeoutMs: number,
  message = "condition not met in time",
  intervalMs = 25,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
