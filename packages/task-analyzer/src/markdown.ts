/** Just enough markdown structure for prompts: headings and fenced code, with line numbers. */

export interface MdLine {
  /** 1-based line number within the text given to splitMarkdown. */
  line: number;
  text: string;
  /** Inside a fenced code block (fence lines included). */
  code: boolean;
  heading?: { level: number; text: string };
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;

export function splitMarkdown(text: string): MdLine[] {
  const out: MdLine[] = [];
  let fence: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const fenceMatch = FENCE.exec(raw);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]?.[0] === fence[0] && (fenceMatch[1]?.length ?? 0) >= fence.length) {
        fence = undefined;
      }
      out.push({ line, text: raw, code: true });
      return;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      out.push({ line, text: raw, code: true });
      return;
    }
    const heading = HEADING.exec(raw);
    if (heading) {
      out.push({
        line,
        text: raw,
        code: false,
        heading: { level: heading[1]?.length ?? 1, text: cleanInline(heading[2] ?? "") },
      });
      return;
    }
    out.push({ line, text: raw, code: false });
  });
  return out;
}

/** Heading text without emphasis markers and surrounding punctuation. */
export function cleanInline(text: string): string {
  return text
    .replace(/\*\*|__/g, "")
    .replace(/^[*_]+|[*_]+$/g, "")
    .trim();
}

export interface MdSection {
  heading: { level: number; text: string };
  /** Line of the heading. */
  line: number;
  /** Index range in the MdLine array: content is (start, end). */
  start: number;
  end: number;
}

/** Each heading with the extent of its content (up to the next heading of the same or a higher level). */
export function sectionsOf(lines: readonly MdLine[]): MdSection[] {
  const sections: MdSection[] = [];
  lines.forEach((l, i) => {
    if (!l.heading) return;
    let end = lines.length;
    for (let j = i + 1; j < lines.length; j++) {
      const h = lines[j]?.heading;
      if (h && h.level <= l.heading.level) {
        end = j;
        break;
      }
    }
    sections.push({ heading: l.heading, line: l.line, start: i, end });
  });
  return sections;
}

/** The text of lines (start, end) exclusive of `start`, trimmed of blank lines at both ends. */
export function contentOf(lines: readonly MdLine[], section: MdSection): string {
  return lines
    .slice(section.start + 1, section.end)
    .map((l) => l.text)
    .join("\n")
    .trim();
}
