import { describe, expect, it } from "vitest";
import {
  parseGitRemoteUrl,
  parseMergeTreeZ,
  parseNumstatZ,
  parseStatusZ,
  parseWorktreeListZ,
} from "./parse.js";

describe("parseGitRemoteUrl", () => {
  it.each([
    ["https://github.com/acme/widgets.git", { host: "github.com", owner: "acme", repo: "widgets" }],
    ["https://github.com/acme/widgets", { host: "github.com", owner: "acme", repo: "widgets" }],
    [
      "https://x-access-token:ghs_abc@github.com/acme/widgets.git/",
      { host: "github.com", owner: "acme", repo: "widgets" },
    ],
    [
      "http://127.0.0.1:8080/acme/widgets.git",
      { host: "127.0.0.1", port: 8080, owner: "acme", repo: "widgets" },
    ],
    ["git@github.com:acme/widgets.git", { host: "github.com", owner: "acme", repo: "widgets" }],
    ["github.com:acme/widgets", { host: "github.com", owner: "acme", repo: "widgets" }],
    [
      "ssh://git@GitHub.example.com:2222/acme/widgets.git",
      { host: "github.example.com", port: 2222, owner: "acme", repo: "widgets" },
    ],
    ["git://example.com/acme/widgets.git", { host: "example.com", owner: "acme", repo: "widgets" }],
    ["https://gitlab.com/group/sub/project.git", { host: "gitlab.com", owner: "group/sub", repo: "project" }],
  ])("parses %s", (url, expected) => {
    expect(parseGitRemoteUrl(url)).toEqual(expected);
  });

  it.each(["", "/srv/git/repo.git", "file:///srv/git/acme/repo.git", "https://github.com/acme", "not a url"])(
    "returns undefined for %j",
    (url) => {
      expect(parseGitRemoteUrl(url)).toBeUndefined();
    },
  );
});

describe("git -z parsers", () => {
  it("parse porcelain status with renames and conflicts", () => {
    const out = " M a.txt\0R  new.txt\0old.txt\0UU c.txt\0?? d e.txt\0";
    expect(parseStatusZ(out)).toEqual([
      { path: "a.txt", index: " ", worktree: "M", untracked: false, ignored: false, conflicted: false },
      {
        path: "new.txt",
        origPath: "old.txt",
        index: "R",
        worktree: " ",
        untracked: false,
        ignored: false,
        conflicted: false,
      },
      { path: "c.txt", index: "U", worktree: "U", untracked: false, ignored: false, conflicted: true },
      { path: "d e.txt", index: "?", worktree: "?", untracked: true, ignored: false, conflicted: false },
    ]);
  });

  it("parse worktree list records", () => {
    const out =
      "worktree /r\0HEAD abc\0branch refs/heads/main\0\0worktree /w\0HEAD def\0detached\0locked why\0prunable gitdir file points to non-existent location\0\0worktree /b\0bare\0\0";
    expect(parseWorktreeListZ(out)).toEqual([
      {
        path: "/r",
        head: "abc",
        branch: "main",
        detached: false,
        bare: false,
        locked: false,
        prunable: false,
      },
      {
        path: "/w",
        head: "def",
        detached: true,
        bare: false,
        locked: true,
        lockedReason: "why",
        prunable: true,
        prunableReason: "gitdir file points to non-existent location",
      },
      { path: "/b", detached: false, bare: true, locked: false, prunable: false },
    ]);
  });

  it("parse merge-tree output", () => {
    const conflict = [
      "3ace",
      "f.txt",
      "",
      "1",
      "f.txt",
      "Auto-merging",
      "Auto-merging f.txt\n",
      "1",
      "f.txt",
      "CONFLICT (contents)",
      "CONFLICT (content): Merge conflict in f.txt\n",
      "",
    ].join("\0");
    expect(parseMergeTreeZ(conflict, 1)).toEqual({
      clean: false,
      tree: "3ace",
      conflictFiles: ["f.txt"],
      messages: [
        { paths: ["f.txt"], type: "Auto-merging", message: "Auto-merging f.txt" },
        {
          paths: ["f.txt"],
          type: "CONFLICT (contents)",
          message: "CONFLICT (content): Merge conflict in f.txt",
        },
      ],
    });
    expect(parseMergeTreeZ("b4dc\0\0", 0)).toEqual({
      clean: true,
      tree: "b4dc",
      conflictFiles: [],
      messages: [],
    });
  });

  it("parse numstat with renames and binaries", () => {
    expect(parseNumstatZ("1\t2\ta.txt\0-\t-\tb.bin\x000\t0\t\0old\0new\0")).toEqual({
      files: [
        { path: "a.txt", insertions: 1, deletions: 2, binary: false },
        { path: "b.bin", insertions: 0, deletions: 0, binary: true },
        { path: "new", oldPath: "old", insertions: 0, deletions: 0, binary: false },
      ],
      filesChanged: 3,
      insertions: 1,
      deletions: 2,
    });
  });
});
