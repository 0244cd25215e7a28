import { tmpdir } from "node:os";
import { GadugiError } from "@gadugi/error-handling";
import { GitCaller, type GitClientOptions } from "./git-call.js";

export interface GitVersion {
  major: number;
  minor: number;
  patch: number;
}

/** The oldest git Gadugi runs on: `git merge-tree --write-tree` arrived in 2.38. */
export const MIN_GIT_VERSION: GitVersion = { major: 2, minor: 38, patch: 0 };

let versionPromise: Promise<GitVersion> | undefined;

/** `git version 2.39.5` → { major: 2, minor: 39, patch: 5 }. */
export function parseGitVersion(out: string): GitVersion {
  const [major = 0, minor = 0, patch = 0] = (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(out) ?? [])
    .slice(1)
    .map((n) => Number(n ?? 0));
  return { major, minor, patch };
}

export function isOlder(found: GitVersion, required: GitVersion): boolean {
  if (found.major !== required.major) return found.major < required.major;
  if (found.minor !== required.minor) return found.minor < required.minor;
  return found.patch < required.patch;
}

/** Installed git version, read once per process (each time with a runner of its own). */
export function gitVersion(options: GitClientOptions = {}): Promise<GitVersion> {
  const read = () => new GitCaller(tmpdir(), options).raw(["version"]).then(parseGitVersion);
  if (options.runner) return read();
  versionPromise ??= read().catch((error: unknown) => {
    versionPromise = undefined;
    throw error;
  });
  return versionPromise;
}

/** Throws GADUGI_GIT_TOO_OLD when the installed git is older than `required`. */
export async function assertGitVersion(
  required: GitVersion = MIN_GIT_VERSION,
  options: GitClientOptions = {},
): Promise<GitVersion> {
  const found = await gitVersion(options);
  if (isOlder(found, required)) {
    throw new GadugiError("GADUGI_GIT_TOO_OLD", {
      version: `${found.major}.${found.minor}.${found.patch}`,
      required: `${required.major}.${required.minor}`,
    });
  }
  return found;
}
