import type { Complexity, TargetFile, TaskType } from "@gadugi/interfaces";

/**
 * Task type and complexity come from fixed, documented rules over the prompt's words and targets.
 * They are rules, not learning: the same prompt always gets the same answer, and the frontmatter
 * `type` / `complexity` keys override them.
 */

const TYPE_KEYWORDS: ReadonlyArray<[TaskType, RegExp]> = [
  ["test", /\b(tests?|testing|specs?|coverage|e2e|unit[- ]tests?)\b/g],
  ["bugfix", /\b(fix|fixes|fixing|bugs?|bugfix|hotfix|crash|crashes|regression|broken|defect|failing)\b/g],
  [
    "refactor",
    /\b(refactor|refactoring|clean ?up|restructure|reorgani[sz]e|rename|simplify|extract|migrate|deduplicate)\b/g,
  ],
  ["docs", /\b(docs?|documentation|readme|guide|tutorial|changelog|docstrings?)\b/g],
];

const DOC_FILE = /\.(md|mdx|markdown|rst|txt|adoc)$|(^|\/)docs?\//i;
/** Source files: a task writing one is code work, whatever its text says about docs. */
const CODE_FILE =
  /\.(?:[cm]?[jt]sx?|py|pyi|go|rs|java|kts?|scala|rb|php|c|h|cc|cpp|hpp|cs|swift|dart|lua|sh|sql|vue|svelte|astro|css|scss|less|html?)$/i;

/** The non-feature type (other than `skip`) whose keyword appears first in `text`, if any. */
function firstKeyword(text: string, skip?: TaskType): TaskType | undefined {
  let best: { type: TaskType; at: number } | undefined;
  for (const [type, re] of TYPE_KEYWORDS) {
    if (type === skip) continue;
    for (const m of text.toLowerCase().matchAll(re)) {
      const at = m.index ?? 0;
      if (!best || at < best.at) best = { type, at };
      break;
    }
  }
  return best?.type;
}

/**
 * Rules, first match wins:
 * 1. every written target is documentation (markdown, rst, under docs/) → docs;
 * 2. the earliest type keyword in the title, then in the file name, then in the description:
 *    test (test, spec, coverage, e2e), bugfix (fix, bug, crash, regression, broken, failing),
 *    refactor (refactor, clean up, rename, extract, migrate, simplify), docs (docs, documentation,
 *    readme, guide, changelog) — so "Fix flaky test" is a bugfix and "Add tests for the fix" a test.
 *    A task that writes a source file (`.ts`, `.py`, … outside docs/) is never docs by keyword:
 *    "add the docs page" writing `src/docs-page.ts` is code work;
 * 3. otherwise feature ("add", "implement", "support" do not decide anything by themselves).
 */
export function classifyType(input: {
  title: string;
  file: string;
  description?: string;
  targets?: readonly TargetFile[];
}): TaskType {
  const written = (input.targets ?? []).filter((t) => t.access !== "reads");
  if (written.length > 0 && written.every((t) => DOC_FILE.test(t.path))) return "docs";
  const writesCode = written.some((t) => CODE_FILE.test(t.path) && !DOC_FILE.test(t.path));
  const skip: TaskType | undefined = writesCode ? "docs" : undefined;
  const fileWords = input.file
    .replace(/^.*\//, "")
    .replace(/\.[^.]+$/, "")
    .replace(/[-_]+/g, " ");
  return (
    firstKeyword(input.title, skip) ??
    firstKeyword(fileWords, skip) ??
    firstKeyword(input.description ?? "", skip) ??
    "feature"
  );
}

export interface ComplexitySignals {
  /** Targets the task writes (modifies or creates). */
  writtenFiles: number;
  /** Words in the prompt body. */
  words: number;
  /** List items and checkboxes in the requirements, plan and success-criteria sections. */
  items: number;
}

/** Counts the signals complexity is decided on. */
export function complexitySignals(
  body: string,
  sections: Record<string, string>,
  targets: readonly TargetFile[],
): ComplexitySignals {
  const words = body.split(/\s+/).filter((w) => /\w/.test(w)).length;
  const items = Object.values(sections)
    .join("\n")
    .split("\n")
    .filter((l) => /^\s*(?:[-*+]|\d+[.)])\s+/.test(l)).length;
  const writtenFiles = targets.filter((t) => t.access !== "reads").length;
  return { writtenFiles, words, items };
}

/**
 * Rules: high when the task writes 8 or more files, or the prompt has more than 1,500 words, or
 * 25 or more requirement/plan/criteria items; low when it writes at most 2 files, has at most 300
 * words and at most 8 items; medium otherwise.
 */
export function estimateComplexity(signals: ComplexitySignals): Complexity {
  if (signals.writtenFiles >= 8 || signals.words > 1500 || signals.items >= 25) return "high";
  if (signals.writtenFiles <= 2 && signals.words <= 300 && signals.items <= 8) return "low";
  return "medium";
}

/** Relative effort used for the critical path: low 1, medium 2, high 3. */
export const COMPLEXITY_WEIGHT: Readonly<Record<Complexity, number>> = { low: 1, medium: 2, high: 3 };
