import { createHash } from "node:crypto";
import { basename, extname } from "node:path";

/** `Fix Import_bug.md` → `fix-import-bug`: lowercase letters, digits and dashes ("task" if nothing is left). */
export function slugify(text: string): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug === "" ? "task" : slug;
}

/** The stable slug of a prompt: its frontmatter `id` when set, else its file name without extension. */
export function slugForPrompt(file: string, frontmatterId?: string): string {
  return slugify(frontmatterId ?? basename(file, extname(file)));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Makes task ids in the seed's form `task-YYYYMMDD-HHMMSS-xxxx` (UTC time of `now`), unique within
 * one generator. `xxxx` is a hash of the slug, a per-run salt and a counter, so ids never repeat
 * within a run and, with a fixed salt, the same inputs give the same ids (tests).
 */
export function createTaskIdGenerator(now: Date, salt: string): (slug: string) => string {
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  const used = new Set<string>();
  return (slug) => {
    for (let attempt = 0; ; attempt++) {
      const hex = createHash("sha1").update(`${salt}\0${slug}\0${attempt}`).digest("hex").slice(0, 4);
      const id = `task-${stamp}-${hex}`;
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}
