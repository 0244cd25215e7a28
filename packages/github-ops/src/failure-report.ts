import type { ErrorContext } from "@gadugi/interfaces";

/** What went wrong, as an ErrorContext from the journal, a thrown error, or plain text. */
export type FailureError =
  | (Pick<ErrorContext, "message"> & Partial<Omit<ErrorContext, "message">>)
  | Error
  | string;

/** The seed's automatic failure report, filed as a GitHub issue by `createFailureIssue`. */
export interface FailureReport {
  taskId?: string;
  taskName?: string;
  runId?: string;
  phase?: string;
  attempt?: number;
  branch?: string;
  error: FailureError;
  /** The end of the task's log, as text or lines; only the last `maxLogLines` lines are kept. */
  logTail?: string | readonly string[];
  /** Where the full log is, shown above the tail. */
  logFile?: string;
  /** Overrides the generated title. */
  title?: string;
  /** Labels instead of the default ones plus `gadugi-failure`. */
  labels?: string[];
}

export interface FormatFailureOptions {
  /** Lines of log tail kept. Default 60. */
  maxLogLines?: number;
  /** Applied to every piece of text that goes into the issue. */
  redact?: (text: string) => string;
}

/** GitHub refuses issue bodies over 65536 characters; stay well below. */
const MAX_BODY = 60_000;

function fence(text: string, lang = ""): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(Math.max(3, longest + 1));
  return `${ticks}${lang}\n${text.replace(/\n+$/, "")}\n${ticks}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function errorInfo(error: FailureError): Pick<ErrorContext, "message"> & Partial<ErrorContext> {
  if (typeof error === "string") return { message: error };
  if (error instanceof Error) {
    const info: Pick<ErrorContext, "message"> & Partial<ErrorContext> = { message: error.message };
    const e = error as Error & { code?: unknown; hint?: unknown };
    if (typeof e.code === "string" && /^GADUGI_/.test(e.code)) info.code = e.code;
    if (typeof e.hint === "string") info.hint = e.hint;
    const causes: string[] = [];
    let cause: unknown = error.cause;
    while (cause !== undefined && causes.length < 10) {
      causes.push(cause instanceof Error ? cause.message : String(cause));
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    if (causes.length > 0) info.causes = causes;
    return info;
  }
  return error;
}

/** Title and markdown body of a failure issue; every piece of text redacted. */
export function formatFailureIssue(
  report: FailureReport,
  options: FormatFailureOptions = {},
): { title: string; body: string } {
  const redact = options.redact ?? ((text: string) => text);
  const maxLines = options.maxLogLines ?? 60;
  const error = errorInfo(report.error);
  const firstLine = (error.message.split("\n")[0] ?? "").trim();
  const subject = report.taskName ?? report.taskId ?? "run";
  const where = report.phase ? ` in ${report.phase}` : "";
  const title = redact(
    report.title ?? `Gadugi: ${subject} failed${where}${firstLine ? `: ${firstLine}` : ""}`,
  ).slice(0, 250);

  const rows: Array<[string, string | number | undefined]> = [
    ["Task", report.taskId && report.taskName ? `${report.taskId} (${report.taskName})` : report.taskId],
    ["Run", report.runId],
    ["Phase", report.phase ?? error.phase],
    ["Attempt", report.attempt ?? error.attempt],
    ["Branch", report.branch],
    ["Error code", error.code],
    ["Operation", error.operation],
    ["Time", error.timestamp],
  ];
  const parts: string[] = ["## Gadugi task failure", ""];
  const present = rows.filter(([, value]) => value !== undefined && value !== "");
  if (present.length > 0) {
    parts.push("| | |", "|---|---|");
    for (const [name, value] of present) parts.push(`| ${name} | \`${cell(redact(String(value)))}\` |`);
    parts.push("");
  }
  parts.push("### Error", "", fence(redact(error.message)), "");
  if (error.hint) parts.push(`**Hint:** ${redact(error.hint)}`, "");
  if (error.causes && error.causes.length > 0) {
    parts.push("### Caused by", "", ...error.causes.map((c) => `- ${redact(c).replace(/\n/g, " ")}`), "");
  }
  if (error.details && Object.keys(error.details).length > 0) {
    parts.push("### Details", "", fence(redact(JSON.stringify(error.details, null, 2)), "json"), "");
  }
  const head = parts.join("\n");

  let tail = "";
  if (report.logTail !== undefined) {
    const lines = (
      typeof report.logTail === "string" ? report.logTail.split(/\r?\n/) : [...report.logTail]
    ).filter((line, i, all) => !(i === all.length - 1 && line === ""));
    let kept = lines.slice(-maxLines).map(redact);
    const budget = MAX_BODY - head.length - 500;
    while (kept.length > 1 && kept.join("\n").length > budget) kept = kept.slice(Math.ceil(kept.length / 4));
    let text = kept.join("\n");
    if (text.length > budget) text = `…${text.slice(-Math.max(budget, 0))}`;
    const source = report.logFile ? ` of \`${cell(redact(report.logFile))}\`` : "";
    tail = [`### Log (last ${kept.length} lines${source})`, "", fence(text), ""].join("\n");
  }
  const marker = `<!-- gadugi-failure: ${redact(
    [
      report.runId && `run=${report.runId}`,
      report.taskId && `task=${report.taskId}`,
      report.phase && `phase=${report.phase}`,
    ]
      .filter(Boolean)
      .join(" "),
  ).replace(/--/g, "- -")} -->`;
  const body = [head, tail, "_Filed automatically by Gadugi._", marker].filter((p) => p !== "").join("\n");
  return { title, body: body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}\n…` : body };
}
