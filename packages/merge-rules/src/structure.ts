import { isDeepStrictEqual } from "node:util";

export type Path = (string | number)[];

/** One change of theirs to lay onto ours: set `path` to `value`, or remove it (`undefined`). */
export interface Edit {
  path: Path;
  value: unknown;
}

export type StructuralMerge = { clean: true; edits: Edit[]; merged: unknown } | { clean: false; path: Path };

/** A plain JSON object (not an array, not null). */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A structural three-way merge of parsed documents: a key one side changed and the other left
 * as in the base takes the changed side; a key both changed is merged key by key when both are
 * maps, and is a conflict otherwise (arrays and scalars are values). Returns theirs' changes to
 * lay onto ours, and the merged value they should produce.
 */
export function mergeStructure(
  base: unknown,
  ours: unknown,
  theirs: unknown,
  path: Path = [],
): StructuralMerge {
  if (isDeepStrictEqual(ours, theirs) || isDeepStrictEqual(base, theirs)) {
    return { clean: true, edits: [], merged: ours };
  }
  if (isDeepStrictEqual(base, ours)) return { clean: true, edits: [{ path, value: theirs }], merged: theirs };
  if (!isMap(ours) || !isMap(theirs) || !(isMap(base) || base === undefined)) return { clean: false, path };
  const edits: Edit[] = [];
  const merged: Record<string, unknown> = {};
  const keys = [...Object.keys(ours), ...Object.keys(theirs).filter((k) => !Object.hasOwn(ours, k))];
  for (const key of keys) {
    const inner = mergeStructure(base?.[key], ours[key], theirs[key], [...path, key]);
    if (!inner.clean) return inner;
    edits.push(...inner.edits);
    if (inner.merged !== undefined) merged[key] = inner.merged;
  }
  return { clean: true, edits, merged };
}

/** A path as people read it: `exports["./cli"].import`. */
export function showPath(path: Path): string {
  if (path.length === 0) return "the whole document";
  return path
    .map((p, i) =>
      typeof p === "number"
        ? `[${p}]`
        : /^[A-Za-z_$][\w$-]*$/.test(p)
          ? i === 0
            ? p
            : `.${p}`
          : `[${JSON.stringify(p)}]`,
    )
    .join("");
}
