import path from "node:path";

/** One file changed on the task branch. */
export interface ChangedFile {
  path: string;
  /** The file is new on the branch. */
  added: boolean;
}

export interface DocumentationAssessment {
  needed: boolean;
  /** Why (not), in one sentence. */
  reason: string;
  /** Changed files that are public API: entry points, CLIs, config schemas. */
  apiFiles: string[];
  /** New source files at the top of the project or of a source directory. */
  newModules: string[];
  /** Documentation files already changed on the branch. */
  docFiles: string[];
}

const SOURCE = /\.(?:[cm]?[jt]sx?|py|go|rs|rb|java|kt|swift|cs|php|c|cc|cpp|h|hpp)$/i;
const DOC = /\.(?:md|mdx|markdown|rst|adoc|txt)$/i;
const DOC_NAMES = /^(?:readme|changelog|changes|history|contributing)(?:\.|$)/i;
const ENTRY_NAMES = /^(?:index|main|cli|mod|lib|__init__|__main__)\.[^.]+$/i;
const SCHEMA_NAMES = /(?:^|[._-])(?:schema|config|configuration|settings|options)(?:[._-]|$)/i;
const CLI_DIRS = new Set(["bin", "cli", "commands", "cmd"]);
const SOURCE_DIRS = new Set(["src", "lib", "source"]);
const TEST_DIRS = new Set(["test", "tests", "__tests__", "spec", "specs", "__mocks__", "fixtures", "e2e"]);
const TEST_NAMES = /(?:\.(?:test|spec|bench)\.[^.]+$|^test_.*\.py$|_test\.(?:py|go)$|^conftest\.py$)/i;

function segments(file: string): string[] {
  return file.split("/").filter((s) => s !== "");
}

/** Markdown, reStructuredText and the like, READMEs and changelogs, or anything under `docs/`. */
export function isDocumentationFile(file: string): boolean {
  const parts = segments(file);
  const base = parts.at(-1) ?? "";
  return DOC.test(base) || DOC_NAMES.test(base) || parts.slice(0, -1).some((p) => /^docs?$/i.test(p));
}

export function isTestFile(file: string): boolean {
  const parts = segments(file);
  return (
    TEST_NAMES.test(parts.at(-1) ?? "") || parts.slice(0, -1).some((p) => TEST_DIRS.has(p.toLowerCase()))
  );
}

/**
 * Public API: a source entry point (`index.*`, `main.*`, `cli.*`, `__init__.py`, `lib.rs`...), a
 * file under `bin/`, `cli/`, `commands/` or `cmd/`, or a config schema (`*.schema.json`, a source
 * file named like schema/config/settings/options). Tests never count.
 */
export function isPublicApiFile(file: string): boolean {
  if (isTestFile(file) || isDocumentationFile(file)) return false;
  const parts = segments(file);
  const base = parts.at(-1) ?? "";
  if (/\.schema\.json$/i.test(base)) return true;
  if (parts.slice(0, -1).some((p) => CLI_DIRS.has(p.toLowerCase()))) return true;
  if (!SOURCE.test(base)) return false;
  return ENTRY_NAMES.test(base) || SCHEMA_NAMES.test(path.parse(base).name);
}

/**
 * A new top-level module: a source file added at the project root, one directory deep, or directly
 * inside a `src/`, `lib/` or `source/` directory (`packages/x/src/new.ts`). Tests never count.
 */
export function isNewTopLevelModule(file: ChangedFile): boolean {
  if (!file.added || isTestFile(file.path) || !SOURCE.test(file.path)) return false;
  const dirs = segments(file.path).slice(0, -1);
  if (dirs.length <= 1) return true;
  return SOURCE_DIRS.has((dirs.at(-1) ?? "").toLowerCase());
}

const MAX_LISTED = 5;

function list(files: readonly string[]): string {
  const shown = files.slice(0, MAX_LISTED).join(", ");
  return files.length > MAX_LISTED ? `${shown} and ${files.length - MAX_LISTED} more` : shown;
}

/**
 * The documentation phase's rule: documentation is needed when public API files changed or new
 * top-level modules appeared while no documentation file changed on the branch.
 */
export function assessDocumentation(changes: readonly ChangedFile[]): DocumentationAssessment {
  const docFiles = changes.filter((c) => isDocumentationFile(c.path)).map((c) => c.path);
  const apiFiles = changes.filter((c) => isPublicApiFile(c.path)).map((c) => c.path);
  const newModules = changes
    .filter((c) => isNewTopLevelModule(c) && !apiFiles.includes(c.path))
    .map((c) => c.path);
  const triggers = [...apiFiles, ...newModules];
  if (triggers.length === 0) {
    return {
      needed: false,
      reason:
        changes.length === 0
          ? "no documentation change needed: nothing changed"
          : "no documentation change needed: no public API file changed and no new top-level module was added",
      apiFiles,
      newModules,
      docFiles,
    };
  }
  if (docFiles.length > 0) {
    return {
      needed: false,
      reason: `no documentation change needed: the branch already updates ${list(docFiles)} for ${list(triggers)}`,
      apiFiles,
      newModules,
      docFiles,
    };
  }
  const why = [
    apiFiles.length > 0 ? `public API changed (${list(apiFiles)})` : "",
    newModules.length > 0 ? `new top-level module(s) ${list(newModules)}` : "",
  ]
    .filter((s) => s !== "")
    .join(" and ");
  return {
    needed: true,
    reason: `documentation needed: ${why}, and no documentation file changed`,
    apiFiles,
    newModules,
    docFiles,
  };
}
