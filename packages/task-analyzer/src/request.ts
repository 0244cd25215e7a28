/**
 * The seed's request form, as typed to the orchestrator agent:
 *
 * ```
 * /agent:orchestrator-agent
 *
 * Execute these specific prompts in parallel:
 * - test-definition-node.md
 * - test-relationship-creator.md
 * ```
 *
 * List items may be `- x`, `* x`, `+ x`, `1. x` or `1) x`, optionally in backticks or as a markdown
 * link, and may carry a trailing comment (`- a.md (the parser)`, `- a.md # later`). Without any
 * list item, each non-blank line that looks like a file path (ends in `.md`, or contains `/`) is
 * taken, so `ls prompts/*.md | gadugi analyze` works too. Duplicates are dropped, order is kept.
 */
export interface ExecuteRequest {
  files: string[];
  /** Whether the "Execute these specific prompts…" header was present. */
  hasHeader: boolean;
}

const HEADER = /^\s*execute\s+(?:these|the following)\b.*\bprompts?\b.*:?\s*$/i;
const ITEM = /^\s*(?:[-*+]|\d+[.)])\s+(.+?)\s*$/;

function cleanItem(raw: string): string | undefined {
  let item = raw.trim();
  const link = /^\[[^\]]*\]\(([^)\s]+)\)/.exec(item);
  if (link) return link[1];
  const tick = /^`([^`]+)`/.exec(item);
  if (tick) return tick[1]?.trim();
  const quoted = /^"([^"]+)"|^'([^']+)'/.exec(item);
  if (quoted) return (quoted[1] ?? quoted[2])?.trim();
  item = item.replace(/\s+(?:#|\(|—|–|-\s).*$/, "").trim();
  item = item.replace(/[,;]$/, "");
  return item === "" ? undefined : item;
}

export function parseExecuteRequest(text: string): ExecuteRequest {
  const lines = text.split(/\r?\n/);
  const hasHeader = lines.some((l) => HEADER.test(l));
  const files: string[] = [];
  const add = (f: string | undefined): void => {
    if (f && !files.includes(f)) files.push(f);
  };
  let sawItem = false;
  for (const line of lines) {
    const m = ITEM.exec(line);
    if (!m) continue;
    sawItem = true;
    add(cleanItem(m[1] as string));
  }
  if (!sawItem) {
    for (const line of lines) {
      const t = line.trim();
      if (t === "" || HEADER.test(t) || t.startsWith("/agent:") || t.startsWith("#")) continue;
      const candidate = cleanItem(t);
      if (
        candidate &&
        !/\s/.test(candidate) &&
        (/\.(md|markdown|txt)$/i.test(candidate) || candidate.includes("/"))
      ) {
        add(candidate);
      }
    }
  }
  return { files, hasHeader };
}
