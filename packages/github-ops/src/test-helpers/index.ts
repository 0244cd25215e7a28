// What the tests of this package share: the local GitHub server per test, a client for it, and
// the GadugiError a promise rejects with.
import { GadugiError } from "@gadugi/error-handling";
import { type GitHubServer, type GitHubServerOptions, startGitHubServer } from "@gadugi/test-utils";
import { afterEach, beforeEach, expect } from "vitest";
import { FAST_THROTTLE, GitHubOperations, type GitHubOperationsOptions } from "../index.js";

export const TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

export interface LocalGitHub {
  /** This test's server (accepting TOKEN only). */
  readonly server: GitHubServer;
  /** A client of acme/widgets on the server, with FAST_THROTTLE and an empty environment. */
  ops(extra?: Partial<GitHubOperationsOptions>): GitHubOperations;
  /** Closes this test's server and starts another with `options`. */
  restart(options?: GitHubServerOptions): Promise<GitHubServer>;
}

/** Starts a server before each test of the file and closes it after. */
export function useLocalGitHub(options: GitHubServerOptions = {}): LocalGitHub {
  let current: GitHubServer | undefined;
  const local: LocalGitHub = {
    get server(): GitHubServer {
      if (!current) throw new Error("the local GitHub server runs only inside a test");
      return current;
    },
    ops(extra = {}) {
      return new GitHubOperations({
        owner: "acme",
        repo: "widgets",
        token: TOKEN,
        baseUrl: local.server.url,
        throttle: FAST_THROTTLE,
        env: {},
        ...extra,
      });
    },
    async restart(next = {}) {
      await current?.close();
      current = await startGitHubServer(next);
      return current;
    },
  };
  beforeEach(async () => {
    current = await startGitHubServer({ token: TOKEN, ...options });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return local;
}

/** The GadugiError `promise` rejects with; fails the test when it resolves or throws anything else. */
export async function caught(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    expect(GadugiError.is(error)).toBe(true);
    return error as GadugiError;
  }
  throw new Error("expected a rejection");
}
