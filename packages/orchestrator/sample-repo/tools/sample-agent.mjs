#!/usr/bin/env node
// The demo's "coding agent": a deterministic program that does what a task prompt spells out.
// It reads the prompt file Gadugi generated, finds fenced blocks whose info string names a file
// (```js file=src/math.js mode=append), applies them in the worktree, and commits. Asked by
// Gadugi's documentation phase, it writes a page per new module under docs/modules/.
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

const title = /^# (.+)$/m.exec(prompt)?.[1] ?? "sample task";
const changed = [];
// Tests count the agent's runs per task through this log.
if (process.env.GADUGI_SAMPLE_AGENT_LOG) appendFileSync(process.env.GADUGI_SAMPLE_AGENT_LOG, `${title}\n`);

if (title.startsWith("Document the changes of task:")) {
  // Gadugi's documentation phase: one page per new module or changed API file.
  const files = [...prompt.matchAll(/^- `([^`]+)`$/gm)].map((m) => m[1]).filter((f) => !f.endsWith(".md"));
  for (const file of files) {
    const page = `docs/modules/${file
      .replace(/^src\//, "")
      .replace(/\.[^.]+$/, "")
      .replace(/\//g, "-")}.md`;
    mkdirSync(dirname(page), { recursive: true });
    writeFileSync(page, `# ${file}\n\n${title.replace("Document the changes of task: ", "Added by: ")}.\n`);
    changed.push(page);
    console.log(JSON.stringify({ type: "edit", file: page, mode: "create" }));
  }
} else {
  const blocks = [...prompt.matchAll(/```[a-z]*[ \t]+file=(\S+)(?:[ \t]+mode=(\S+))?[^\n]*\n([\s\S]*?)```/g)];
  if (blocks.length === 0) {
    console.error(`no file blocks in ${promptFile}: nothing to do`);
    process.exit(1);
  }
  if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));
  for (const [, file, mode = "create", body] of blocks) {
    mkdirSync(dirname(file) || ".", { recursive: true });
    const current = existsSync(file) ? readFileSync(file, "utf8") : "";
    // Applying the same prompt twice changes nothing (a re-run on top of merged work, a retry).
    if (mode === "append") {
      if (current.includes(body)) continue;
      appendFileSync(file, (current.endsWith("\n") || current === "" ? "\n" : "\n\n") + body);
    } else if (mode === "create") {
      if (current === body) continue;
      writeFileSync(file, body);
    } else {
      console.error(`unknown mode "${mode}" for ${file}`);
      process.exit(1);
    }
    changed.push(file);
    console.log(JSON.stringify({ type: "edit", file, mode }));
  }
}
if (changed.length === 0) {
  console.log(JSON.stringify({ type: "done", files: 0, note: "nothing left to change" }));
  process.exit(0);
}

// Commit without depending on the machine's git identity.
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? "Gadugi Sample Agent",
  GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? "sample-agent@gadugi.invalid",
  GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? "Gadugi Sample Agent",
  GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? "sample-agent@gadugi.invalid",
};
execFileSync("git", ["add", "--", ...changed], { env });
execFileSync("git", ["commit", "-q", "-m", title], { env });
console.log(JSON.stringify({ type: "done", files: changed.length }));
