/**
 * What a prompt's markdown body says: its description, the sections Gadugi keeps (requirements,
 * implementation plan, testing requirements, success criteria) and whether it is marked done.
 */
import { contentOf, type MdLine, sectionsOf } from "./markdown.js";

/** Section keys kept from a prompt (TaskData.sections). */
export type SectionKey = "requirements" | "implementationPlan" | "testingRequirements" | "successCriteria";

const DESCRIPTION_HEADINGS =
  /^(overview|description|summary|task overview|task description|task summary|problem statement|objective|objectives|goal|goals)$/;

/** The section key a heading names, if it is one Gadugi keeps. */
export function sectionKeyOf(heading: string): SectionKey | "description" | undefined {
  const h = heading
    .toLowerCase()
    .replace(/^[\d.)\s]+/, "")
    .replace(/^(step|phase|part)\s+\d+\s*[:.-]\s*/, "")
    .replace(/[^a-z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (DESCRIPTION_HEADINGS.test(h)) return "description";
  if (/\b(success criteria|acceptance criteria|definition of done|done when|success metrics)\b/.test(h)) {
    return "successCriteria";
  }
  if (/\b(test|tests|testing|verification|validation)\b/.test(h)) return "testingRequirements";
  if (/\brequirements?\b/.test(h)) return "requirements";
  if (/\b(implementation|plan|steps|approach)\b/.test(h)) return "implementationPlan";
  return undefined;
}

/**
 * The description and kept sections of `lines`, whose title heading is `h1`. Description: the
 * first Overview/Description/Summary section, else the first paragraph after the title. A kept
 * section named twice gets both contents, the second under its own heading. A section inside one
 * already taken is part of it.
 */
export function promptSections(
  lines: readonly MdLine[],
  h1: MdLine | undefined,
): { description: string; sections: Partial<Record<SectionKey, string>> } {
  let description: string | undefined;
  const sections: Partial<Record<SectionKey, string>> = {};
  let coveredUntil = -1;
  for (const section of sectionsOf(lines)) {
    if (section.start < coveredUntil || lines[section.start] === h1) continue;
    const key = sectionKeyOf(section.heading.text);
    if (!key) continue;
    const content = contentOf(lines, section);
    if (content === "") continue;
    coveredUntil = section.end;
    if (key === "description") {
      description ??= content;
      continue;
    }
    const previous = sections[key];
    sections[key] =
      previous === undefined
        ? content
        : `${previous}\n\n${"#".repeat(section.heading.level)} ${section.heading.text}\n${content}`;
  }
  const afterTitle = h1 ? lines.slice(lines.indexOf(h1) + 1) : lines;
  description ??= firstParagraph(afterTitle);
  return { description, sections };
}

/** First paragraph of prose: consecutive non-blank lines that are not headings, code, rules or images. */
function firstParagraph(lines: readonly MdLine[]): string {
  const para: string[] = [];
  for (const l of lines) {
    const t = l.text.trim();
    const prose =
      !l.code && !l.heading && t !== "" && !/^(-{3,}|\*{3,}|_{3,}|!\[.*\]\(.*\)|<!--.*-->)$/.test(t);
    if (prose) para.push(t);
    else if (para.length > 0) break;
  }
  return para.join(" ");
}

/** Whether the first non-blank line marks the prompt as done (IMPLEMENTED/COMPLETED in capitals). */
export function doneMarker(lines: readonly MdLine[]): string | undefined {
  const first = lines.find((l) => l.text.trim() !== "");
  const m = first ? /\b(IMPLEMENTED|COMPLETED)\b/.exec(first.text) : null;
  return m ? `its first line says ${m[1]}` : undefined;
}
