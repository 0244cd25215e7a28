// What every operation gets from GitHubOperations: the repository's client behind one error
// mapping, the redactor and the default labels.
import type { GadugiOctokit } from "./client.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface OperationContext {
  /** Labels put on every issue created (the config's `github.labels`). */
  readonly labels: readonly string[];
  redact(text: string): string;
  /**
   * Runs `fn` with the client and the repository; whatever it throws becomes GADUGI_GITHUB_AUTH or
   * GADUGI_GITHUB_API for `operation`, redacted.
   */
  call<T>(operation: string, fn: (octokit: GadugiOctokit, repo: RepoRef) => Promise<T>): Promise<T>;
}

export interface FindOptions {
  /** Default "open". */
  state?: "open" | "closed" | "all";
}

/** The non-blank values, first occurrence kept. */
export function unique(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((v) => v.trim() !== ""))];
}
