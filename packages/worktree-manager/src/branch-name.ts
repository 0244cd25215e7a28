/** Longest slug kept in a branch name; git allows far more, humans and CI UIs do not. */
const MAX_SLUG_LENGTH = 60;

/**
 * A branch-name-safe slug from any title: ASCII lowercase letters, digits and single dashes, no
 * leading or trailing dash, at most 60 characters; `task` when nothing usable is left.
 *
 * @example toSlug("Fix: the *parser* (again!)") // "fix-the-parser-again"
 */
export function toSlug(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, "");
  return slug === "" ? "task" : slug;
}

/**
 * The branch for a task: the prefix (default `gadugi/`) followed by the slug of `title`. The
 * result always satisfies `git check-ref-format --branch`; the prefix is cleaned the same way,
 * keeping its `/` separators.
 *
 * @example toBranchName("Add user login", "gadugi/") // "gadugi/add-user-login"
 */
export function toBranchName(title: string, prefix = "gadugi/"): string {
  return `${cleanPrefix(prefix)}${toSlug(title)}`;
}

function cleanPrefix(prefix: string): string {
  if (prefix === "") return "";
  const trailingSlash = prefix.endsWith("/");
  const parts = prefix
    .split("/")
    .map((part) =>
      part
        .replace(/[^A-Za-z0-9._-]+/g, "-")
        .replace(/\.{2,}/g, ".")
        .replace(/^[.-]+/, "")
        .replace(/(\.lock)+$/i, "")
        .replace(/[.]+$/, ""),
    )
    .filter((part) => part !== "");
  if (parts.length === 0) return "";
  return `${parts.join("/")}${trailingSlash ? "/" : ""}`;
}

/**
 * Local check of git's branch-name rules (`git check-ref-format --branch`), for callers that
 * must not spawn git; WorktreeManager asks git itself.
 */
export function looksLikeValidBranchName(name: string): boolean {
  if (name === "" || name === "@" || name.startsWith("-") || name.endsWith("/") || name.endsWith(".")) {
    return false;
  }
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name) || name.includes("..") || name.includes("@{")) return false;
  if (name.includes("//")) return false;
  return name.split("/").every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"));
}
