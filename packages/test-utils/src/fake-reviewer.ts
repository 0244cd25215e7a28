import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** A scripted reviewer CLI: one verdict per look, in order (the last one repeats). */
export interface FakeReviewer {
  /** `node <script> <counter> <verdicts> <comment>`, for workflow.reviewCommand (the diff on stdin). */
  command: string[];
  /** How many times the reviewer ran. */
  looks(): number;
}

export interface FakeReviewerOptions {
  /** Verdicts of the first, second... look: `approve`, `request-changes`, `comment`. */
  verdicts: readonly string[];
  /** The review's comment line for a look that requests changes. */
  comment?: string;
}

const SCRIPT = `import { existsSync, readFileSync, writeFileSync } from "node:fs";
const [counter, verdictList, comment] = process.argv.slice(2);
const verdicts = verdictList.split(",");
const look = existsSync(counter) ? Number(readFileSync(counter, "utf8")) : 0;
writeFileSync(counter, String(look + 1));
const verdict = verdicts[Math.min(look, verdicts.length - 1)];
let diff = "";
process.stdin.on("data", (chunk) => (diff += chunk));
process.stdin.on("end", () => {
  const files = diff.split("\\n").filter((l) => l.startsWith("diff --git")).length;
  console.log("Look " + (look + 1) + ": reviewed " + files + " file(s).");
  if (verdict === "request-changes") console.log(comment);
  console.log("VERDICT: " + verdict);
});
process.stdin.resume();
`;

/**
 * Writes a reviewer CLI into `dir` (outside any worktree, so that its look counter survives the
 * review phase discarding what a read-only reviewer changed). It reads the diff on stdin, prints a line about it, the comment when it requests changes, and
 * `VERDICT: <the look's verdict>`.
 */
export function createFakeReviewer(dir: string, options: FakeReviewerOptions): FakeReviewer {
  const script = path.join(dir, "fake-reviewer.mjs");
  const counter = path.join(dir, "fake-reviewer.looks");
  writeFileSync(script, SCRIPT);
  const comment = options.comment ?? "Please explain in a comment why feature is 2.";
  return {
    command: [process.execPath, script, counter, options.verdicts.join(","), comment],
    looks: () => (existsSync(counter) ? Number(readFileSync(counter, "utf8")) : 0),
  };
}
