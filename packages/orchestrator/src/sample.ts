import { cp, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GadugiError } from "@gadugi/error-handling";
import { GitClient } from "@gadugi/git";

/** The embedded default: a small JavaScript library with eight task prompts and its own agent. */
export const SAMPLE_REPO_SOURCE = fileURLToPath(new URL("../sample-repo/", import.meta.url));

export interface SampleRepo {
  dir: string;
  promptFiles: string[];
}

/**
 * Creates the sample repository in `dir` (which must be empty or missing): the files, a git
 * repository on `main` with one commit. Works without a git identity on the machine.
 */
export async function createSampleRepo(dir: string): Promise<SampleRepo> {
  await mkdir(dir, { recursive: true });
  const existing = await readdir(dir);
  if (existing.length > 0) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "sample directory",
      value: dir,
      expected: "an empty or missing directory",
    });
  }
  await cp(SAMPLE_REPO_SOURCE, dir, { recursive: true });
  const git = new GitClient(dir);
  await git.raw(["init", "--quiet", "--initial-branch=main"]);
  await git.raw(["add", "--all"]);
  await git.commit("Sample library before the demo run");
  const promptFiles = (await readdir(join(dir, "prompts")))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => join("prompts", f));
  return { dir, promptFiles };
}
