import { isAbsolute, resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { GitClient } from "@gadugi/git";
import { type QueuedTaskResult, taskRef } from "./queue-payload.js";
import { recordOf, type Session } from "./session.js";

// The git remote's side of a queued run (queue-work.ts): the URL workers clone, the commits a job
// starts from pushed there, a worker's task branch fetched back, and the run's refs dropped at its end.

/**
 * After a completed run (else nothing): its refs (`refs/gadugi/<run>/…`: the base and the task branches the
 * workers pushed) off the remote in one push, and the fetched copies here (the task branches
 * `gadugi/<slug>` stay). Trouble is a warning; the run stays completed. A run that did not
 * complete keeps them: its resume needs them.
 */
export async function dropRunRefs(session: Session, git: GitClient, remote: string): Promise<void> {
  const prefix = `refs/gadugi/${session.runId}/`;
  try {
    if ((await session.state.loadRun(session.runId)).status !== "completed") return;
    const listed = await git.raw(["ls-remote", "--refs", remote, `${prefix}*`]);
    const refs = listed
      .split("\n")
      .map((line) => line.split("\t")[1]?.trim() ?? "")
      .filter((ref) => ref.startsWith(prefix));
    if (refs.length > 0) await git.raw(["push", "--quiet", remote, ...refs.map((ref) => `:${ref}`)]);
    const copies = (await git.raw(["for-each-ref", "--format=%(refname)", prefix]))
      .split("\n")
      .filter(Boolean);
    if (copies.length > 0)
      await git.raw(["update-ref", "--stdin"], { input: copies.map((ref) => `delete ${ref}\n`).join("") });
  } catch (error) {
    await recordOf(session)({
      type: "warning",
      message: `could not delete the run's refs (${prefix}*) on ${remote}: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/** The remote's URL as workers need it: a local path made absolute; no credentials in it. */
export async function workerRemoteUrl(git: GitClient, repoRoot: string, remote: string): Promise<string> {
  const url = await git.remoteUrl(remote);
  if (url === undefined)
    throw new GadugiError("GADUGI_QUEUE_NO_REMOTE", { remote, reason: "this repository has no such remote" });
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) {
    throw new GadugiError("GADUGI_QUEUE_NO_REMOTE", {
      remote,
      reason:
        "its URL carries a password, which would travel in every job; give workers their own credentials (ssh keys, a credential helper) and drop it from the URL",
    });
  }
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
  return local && !isAbsolute(url) ? resolve(repoRoot, url) : url;
}

/**
 * Puts on the remote what a job starts from: the run's base commit (`refs/gadugi/<run>/base`)
 * once, and the integration branch whenever a job starts from its tip. One push at a time.
 */
export class RemotePushes {
  readonly #session: Session;
  readonly #git: GitClient;
  readonly #remote: string;
  #chain: Promise<unknown> = Promise.resolve();
  #baseDone = false;

  constructor(session: Session, git: GitClient, remote: string) {
    this.#session = session;
    this.#git = git;
    this.#remote = remote;
  }

  ensure(startCommit: string): Promise<string[]> {
    const next = this.#chain.then(() => this.#push(startCommit));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #push(startCommit: string): Promise<string[]> {
    const { runId, baseCommit, integration } = this.#session;
    const baseRef = `refs/gadugi/${runId}/base`;
    if (!this.#baseDone) {
      await this.#git.raw(["push", "--quiet", "--force", this.#remote, `${baseCommit}:${baseRef}`]);
      this.#baseDone = true;
    }
    if (startCommit === baseCommit || integration === undefined) return [baseRef];
    const branchRef = `refs/heads/${integration.branch}`;
    await this.#git.raw(["push", "--quiet", "--force", this.#remote, `${startCommit}:${branchRef}`]);
    return [baseRef, branchRef];
  }
}

/**
 * The task branch as the worker pushed it (`refs/gadugi/<run>/tasks/<task>`), into this
 * repository: under the name this run gave the task before (an earlier attempt), else the
 * worker's name unless a branch of that name exists (an earlier run's, never moved), else with
 * `-2`, `-3`… Returns the local name.
 */
export async function fetchBranch(session: Session, git: GitClient, remote: string, done: QueuedTaskResult) {
  const { branch } = done.result.state;
  if (branch === undefined || done.head === undefined) return branch;
  const ref = taskRef(session.runId, done.result.taskId);
  await git.raw(["fetch", "--quiet", remote, `+${ref}:${ref}`]);
  const head = await git.revParse(ref);
  if (head !== done.head) {
    throw new GadugiError("GADUGI_QUEUE_JOB_FAILED", {
      jobId: ref,
      reason: `the remote's ${ref} is at ${head.slice(0, 12)}, not the worker's ${done.head.slice(0, 12)} (pushed over by someone else?)`,
    });
  }
  const prior = (await session.state.loadTask(session.runId, done.result.taskId)).branch;
  let local = prior;
  for (let n = 1; local === undefined; n++) {
    const name = n === 1 ? branch : `${branch}-${n}`;
    const current = await git.resolveCommit(`refs/heads/${name}`);
    if (current === undefined || current === head) local = name;
  }
  await git.raw(["update-ref", `refs/heads/${local}`, head]);
  return local;
}
