import { existsSync } from "node:fs";
import path from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { Context } from "./context.js";

/** A name for a throwaway checkout: one path segment, no dots first. */
function assertCheckoutName(name: string): void {
  if (name === "" || name.startsWith(".") || name.includes("/") || name.includes(path.sep)) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "name",
      value: name,
      expected: "one path segment that does not start with '.'",
    });
  }
}

/**
 * A detached checkout of `commit` at `<worktrees dir>/<name>`, for throwaway work on a commit
 * rather than a task (the tests of an integration branch's tip). Made with the worktree lock
 * held, like every `git worktree add` of Gadugi; an existing checkout there is moved to the
 * commit instead. It has no branch and no registry record: remove it with `removeDetached`.
 */
export async function checkoutDetached(ctx: Context, name: string, commit: string): Promise<string> {
  assertCheckoutName(name);
  const dir = path.join(ctx.worktreesDir, name);
  await ctx.locked(async () => {
    if (existsSync(dir)) await ctx.gitAt(dir).raw(["checkout", "--quiet", "--detach", commit]);
    else await ctx.git.raw(["worktree", "add", "--detach", "--quiet", dir, commit]);
  });
  return dir;
}

/** Removes a checkout `checkoutDetached` made (nothing when it is gone already), lock held. */
export async function removeDetached(ctx: Context, name: string): Promise<void> {
  assertCheckoutName(name);
  const dir = path.join(ctx.worktreesDir, name);
  await ctx.locked(async () => {
    if (existsSync(dir)) await ctx.git.raw(["worktree", "remove", "--force", dir]);
  });
}
