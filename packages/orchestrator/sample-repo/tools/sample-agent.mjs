#!/usr/bin/env node
// The demo's "coding agent": a deterministic program that does what a task prompt spells out.
// It reads the prompt file Gadugi generated, finds fenced blocks whose info string names a file
// (```js file=src/math.js mode=append), applies them in the worktree, and commits.
//   node tools/sample-agent.mjs <prompt file> [--work-ms N]
// --work-ms stands in for the minutes a real agent thinks, so the demo's speedup is measurable.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const [promptFile, ...rest] = process.argv.slice(2);
if (!promptFile) {
  console.error("usage: sample-agent.mjs <prompt file> [--work-ms N]");
  process.exit(2);
}
const workIndex = rest.indexOf("--work-ms");
const workMs = workIndex >= 0 ? Number(rest[workIndex + 1]) : 0;
const prompt = readFileSync(promptFile, "utf8");

const blocks = [...prompt.matchAll(/```[a-z]*[ \t]+file=(\S+)(?:[ \t]+mode=(\S+))?[^\n]*\n([\s\S]*?)```/g)];
if (blocks.length === 0) {
  console.error(`no file blocks in ${promptFile}: nothing to do`);
  process.exit(1);
}
if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));

const changed = [];
for (const [, file, mode = "create", body] of blocks) {
  mkdirSync(dirname(file) || ".", { recursive: true });
  if (mode === "append") {
    const current = existsSync(file) ? readFileSync(file, "utf8") : "";
    appendFileSync(file, (current.endsWith("\n") || current === "" ? "\n" : "\n\n") + body);
  } else if (mode === "create") {
    writeFileSync(file, body);
  } else {
    console.error(`unknown mode "${mode}" for ${file}`);
    process.exit(1);
  }
  changed.push(file);
  console.log(JSON.stringify({ type: "edit", file, mode }));
}

// Commit without depending on the machine's git identity.
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? "Gadugi Sample Agent",
  GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? "sample-agent@gadugi.invalid",
  GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? "Gadugi Sample Agent",
  GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? "sample-agent@gadugi.invalid",
};
const title = /^# (.+)$/m.exec(prompt)?.[1] ?? "sample task";
execFileSync("git", ["add", "--", ...changed], { env });
execFileSync("git", ["commit", "-q", "-m", title], { env });
console.log(JSON.stringify({ type: "done", files: changed.length }));
