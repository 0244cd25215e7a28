import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { looksLikeValidBranchName, toBranchName, toSlug } from "./index.js";

function gitAccepts(name: string): boolean {
  try {
    execFileSync("git", ["check-ref-format", "--branch", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("toBranchName", () => {
  it("turns any title into a branch git accepts", () => {
    const titles = [
      "Add user login",
      "Fix: the *parser* (again!)",
      "Ünïcödé façade — naïve café",
      "../../etc/passwd",
      "feature.lock",
      "x@{y}",
      "   ",
      "a".repeat(300),
      "-leading dash",
      "trailing.",
      "with~tilde^caret:colon?star*[bracket\\back",
    ];
    for (const title of titles) {
      const branch = toBranchName(title);
      expect(branch.startsWith("gadugi/"), branch).toBe(true);
      expect(gitAccepts(branch), `${title} -> ${branch}`).toBe(true);
      expect(looksLikeValidBranchName(branch), branch).toBe(true);
    }
    expect(toBranchName("Fix: the *parser* (again!)")).toBe("gadugi/fix-the-parser-again");
    expect(toBranchName("Ünïcödé façade")).toBe("gadugi/unicode-facade");
    expect(toBranchName("   ")).toBe("gadugi/task");
    expect(toSlug("a".repeat(300))).toHaveLength(60);
  });

  it("cleans a custom prefix the same way", () => {
    expect(toBranchName("x", "team/bots/")).toBe("team/bots/x");
    expect(toBranchName("x", "")).toBe("x");
    expect(gitAccepts(toBranchName("x", "../.bad..prefix.lock/"))).toBe(true);
  });

  it("rejects what git rejects", () => {
    for (const bad of ["", "-x", "a..b", "a/.b", "a.lock", "a b", "a//b", "a/", "x@{y", "@"]) {
      expect(looksLikeValidBranchName(bad), bad).toBe(false);
      expect(gitAccepts(bad) && bad !== "@", bad).toBe(false);
    }
  });
});
