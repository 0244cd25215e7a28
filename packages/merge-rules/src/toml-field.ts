/** Where a string value of a TOML table's key sits in the text: `[project]` … `version = "1.2.0"`. */
export interface TomlField {
  value: string;
  /** Offset of the value's first character (inside the quotes) and one past its last. */
  start: number;
  end: number;
}

const HEADER = /^\s*\[([^[\]]+)\]\s*(?:#.*)?$/;
const ARRAY_HEADER = /^\s*\[\[/;

/**
 * Finds `table.key` (the last dotted part is the key, the rest the table; a key with no table
 * sits before the first header) as a basic or literal string on a line of its own. Enough for
 * version fields; anything else (inline tables, dotted keys) is not found, and the rule refuses.
 */
export function findTomlField(text: string, field: string): TomlField | undefined {
  const parts = field.split(".");
  const key = parts.pop() as string;
  const table = parts.join(".");
  const keyLine = new RegExp(
    `^(\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=\\s*)(["'])([^"'\\n]*)\\2`,
  );
  let current = "";
  let offset = 0;
  for (const line of text.split(/(?<=\n)/)) {
    const header = HEADER.exec(line);
    if (ARRAY_HEADER.test(line)) current = "\0";
    else if (header) current = (header[1] as string).trim().replace(/\s*\.\s*/g, ".");
    else if (current === table) {
      const m = keyLine.exec(line);
      if (m) {
        const start = offset + (m[1] as string).length + 1;
        return { value: m[3] as string, start, end: start + (m[3] as string).length };
      }
    }
    offset += line.length;
  }
  return undefined;
}
