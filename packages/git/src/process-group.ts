/**
 * Children run as leaders of their own process group, so a timeout or a cancellation can stop
 * the whole tree they started. Groups still running when this process exits are killed: execa's
 * `cleanup` does not reach detached children.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Sends `signal` to every process of the group led by `pid`; a group already gone is not an error. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === "win32" ? pid : -pid, signal);
  } catch {
    // Nothing left in the group.
  }
}

/** Remembers a running group so it is killed if this process exits first; returns the forget function. */
export function trackProcessGroup(pid: number): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const group of liveGroups) signalProcessGroup(group, "SIGKILL");
    });
  }
  liveGroups.add(pid);
  return () => {
    liveGroups.delete(pid);
  };
}
