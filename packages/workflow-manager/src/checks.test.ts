import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TaskData } from "@gadugi/interfaces";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { assessDocumentation, isPublicApiFile } from "./docs-check.js";
import { implementationPrompt } from "./prompts.js";
import { parseReviewOutput } from "./review-verdict.js";
import { detectTestCommand } from "./test-command.js";

const temp = useTempDirs();

function project(files: Record<string, string>): string {
  const dir = temp.dir("gadugi-project-");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe("detectTestCommand", () => {
  it("splits the configured command with quotes and no shell, prefixing uv run in uv projects", async () => {
    const dir = project({});
    expect(await detectTestCommand(dir, `pytest -k "slow and not flaky"`)).toEqual({
      argv: ["pytest", "-k", "slow and not flaky"],
      source: "config",
    });
    expect(await detectTestCommand(dir, "pytest -q", ["uv", "run"])).toMatchObject({
      argv: ["uv", "run", "pytest", "-q"],
    });
    expect(await detectTestCommand(dir, "uv run pytest", ["uv", "run"])).toMatchObject({
      argv: ["uv", "run", "pytest"],
    });
    await expect(detectTestCommand(dir, `pytest "unterminated`)).rejects.toThrow(/quote is not closed/);
  });

  it("takes the configured command as an argument array too, and refuses shell syntax in a line", async () => {
    const dir = project({});
    expect(await detectTestCommand(dir, ["pytest", "-k", "a and b"], ["uv", "run"])).toEqual({
      argv: ["uv", "run", "pytest", "-k", "a and b"],
      source: "config",
    });
    await expect(detectTestCommand(dir, "npm test | tee log")).rejects.toMatchObject({
      code: "GADUGI_COMMAND_SYNTAX",
    });
  });

  it("uses uv run pytest for uv projects", async () => {
    const dir = project({ "pyproject.toml": "[project]\nname='x'\n", "uv.lock": "" });
    expect(await detectTestCommand(dir, undefined)).toEqual({ argv: ["uv", "run", "pytest"], source: "uv" });
  });

  it("uses the package manager's test script, chosen by lockfile", async () => {
    const scripts = JSON.stringify({ scripts: { test: "vitest run" } });
    expect(
      await detectTestCommand(project({ "package.json": scripts, "pnpm-lock.yaml": "" }), undefined),
    ).toEqual({
      argv: ["pnpm", "test"],
      source: "package.json",
    });
    expect(
      await detectTestCommand(project({ "package.json": scripts, "bun.lock": "" }), undefined),
    ).toMatchObject({
      argv: ["bun", "run", "test"],
    });
    expect(await detectTestCommand(project({ "package.json": scripts }), undefined)).toMatchObject({
      argv: ["npm", "test"],
    });
  });

  it("finds none without a script, or with npm's placeholder", async () => {
    const placeholder = JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } });
    expect(await detectTestCommand(project({ "package.json": placeholder }), undefined)).toMatchObject({
      reason: expect.stringMatching(/^no test command found/),
    });
    expect(await detectTestCommand(project({ "README.md": "x" }), "  ")).toMatchObject({
      reason: expect.stringMatching(/^no test command found/),
    });
  });
});

describe("assessDocumentation", () => {
  it("needs documentation for public API changes or new top-level modules without doc changes", () => {
    expect(assessDocumentation([{ path: "src/index.ts", added: false }])).toMatchObject({
      needed: true,
      apiFiles: ["src/index.ts"],
    });
    expect(assessDocumentation([{ path: "packages/x/src/retry.ts", added: true }])).toMatchObject({
      needed: true,
      newModules: ["packages/x/src/retry.ts"],
    });
    expect(assessDocumentation([{ path: "src/bin/gadugi.ts", added: false }]).needed).toBe(true);
    expect(assessDocumentation([{ path: "src/config-schema.ts", added: false }]).needed).toBe(true);
  });

  it("needs none for internal changes, tests, or when docs already changed", () => {
    expect(assessDocumentation([{ path: "src/util/strings.ts", added: false }])).toMatchObject({
      needed: false,
      reason: expect.stringMatching(/^no documentation change needed: no public API/),
    });
    expect(assessDocumentation([{ path: "src/index.test.ts", added: true }]).needed).toBe(false);
    expect(assessDocumentation([{ path: "src/deep/inner/new.ts", added: true }]).needed).toBe(false);
    expect(
      assessDocumentation([
        { path: "src/index.ts", added: false },
        { path: "CHANGELOG.md", added: false },
      ]),
    ).toMatchObject({ needed: false, docFiles: ["CHANGELOG.md"] });
    expect(isPublicApiFile("tests/index.ts")).toBe(false);
  });
});

describe("parseReviewOutput", () => {
  it("takes the last VERDICT line and keeps the rest as comments", () => {
    expect(parseReviewOutput("Nice work.\nVERDICT: approve\n")).toEqual({
      verdict: "approve",
      comments: "Nice work.",
    });
    expect(parseReviewOutput("**Verdict:** Request changes\n\nMissing tests.")).toEqual({
      verdict: "request-changes",
      comments: "Missing tests.",
    });
    expect(parseReviewOutput("VERDICT: approve\nVERDICT = comment").verdict).toBe("comment");
    expect(parseReviewOutput("- verdict: LGTM").verdict).toBe("approve");
    expect(parseReviewOutput("The verdict: unclear\nVERDICT: maybe")).toEqual({
      comments: "The verdict: unclear\nVERDICT: maybe",
    });
  });
});

describe("implementationPrompt", () => {
  it("states the uv rule for uv projects", () => {
    const task = TaskData.parse({ id: "t-1", slug: "t", name: "T", promptFile: "p.md" });
    const prompt = implementationPrompt(task, { runId: "r", worktree: "/w", uvProject: true });
    expect(prompt).toContain("Prefix every Python command with `uv run`");
    expect(implementationPrompt(task, { runId: "r", worktree: "/w", uvProject: false })).not.toContain(
      "uv run",
    );
  });
});
