import { posix } from "node:path";

/** Edit distance (insertions, deletions, substitutions), giving up above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length] ?? max + 1;
}

/**
 * The tracked file a missing path most likely meant: one in the same directory whose name is at
 * most two edits away (`src/click/formating.py` → `src/click/formatting.py`). Undefined when
 * nothing is that close — then the path is more likely a new file than a typo.
 */
export function closestTrackedFile(missing: string, tracked: readonly string[]): string | undefined {
  const dir = posix.dirname(missing);
  const name = posix.basename(missing);
  let best: { file: string; distance: number } | undefined;
  for (const file of tracked) {
    if (posix.dirname(file) !== dir) continue;
    const distance = editDistance(name, posix.basename(file), 2);
    if (distance > 0 && distance <= 2 && (best === undefined || distance < best.distance))
      best = { file, distance };
  }
  return best?.file;
}
