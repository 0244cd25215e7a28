import { GadugiError } from "@gadugi/error-handling";
import { createTempRepo, type TempRegistry, type TempRepo } from "@gadugi/test-utils";
import { GitClient } from "../git-client.js";

/** `repoWith(options)`: a temp repository (tracked by `temp`) and a GitClient on it. */
export function repoMaker(temp: TempRegistry) {
  return async function repoWith(
    options: Parameters<typeof createTempRepo>[0] = {},
  ): Promise<{ repo: TempRepo; git: GitClient }> {
    const repo = temp.track(await createTempRepo(options));
    return { repo, git: new GitClient(repo.dir, { env: repo.env }) };
  };
}

export async function caught(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a GadugiError");
}

/** No identity anywhere: isolated HOME, no system config, no identity variables. */
export const NO_IDENTITY_ENV = {
  GIT_AUTHOR_NAME: undefined,
  GIT_AUTHOR_EMAIL: undefined,
  GIT_COMMITTER_NAME: undefined,
  GIT_COMMITTER_EMAIL: undefined,
  EMAIL: undefined,
};
