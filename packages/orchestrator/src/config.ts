import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { GadugiConfig } from "@gadugi/interfaces";
import { parseDocument } from "yaml";

export const CONFIG_FILE_NAMES = ["gadugi.config.json", "gadugi.config.yaml", "gadugi.config.yml"] as const;

export interface LoadedConfig {
  config: GadugiConfig;
  /** Absolute path of the file read; undefined when none exists and defaults apply. */
  file?: string;
}

/**
 * Reads `gadugi.config.json` / `.yaml` from the repository root (or `file` when given) and
 * validates it. Errors name the file and each bad key (with its line for YAML).
 */
export async function loadConfig(repoRoot: string, options: { file?: string } = {}): Promise<LoadedConfig> {
  const candidates = options.file ? [options.file] : CONFIG_FILE_NAMES.map((name) => join(repoRoot, name));
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && !options.file) continue;
      if (code === "ENOENT") throw new GadugiError("GADUGI_FILE_NOT_FOUND", { path }, { cause: error });
      throw new GadugiError(
        "GADUGI_FILE_UNREADABLE",
        { path, reason: (error as Error).message },
        { cause: error },
      );
    }
    return { config: parseConfigText(text, path, repoRoot), file: path };
  }
  return { config: GadugiConfig.parse({}) };
}

/** Parses and validates config text; `path` decides the format (JSON unless .yaml/.yml). */
export function parseConfigText(text: string, path: string, repoRoot = ""): GadugiConfig {
  const shown = repoRoot ? relative(repoRoot, path) || path : path;
  const yamlFormat = /\.ya?ml$/i.test(path);
  let value: unknown;
  let lineOf: (key: (string | number)[]) => number | undefined = () => undefined;
  if (yamlFormat) {
    const doc = parseDocument(text, { prettyErrors: false });
    const first = doc.errors[0];
    if (first) {
      const line = text.slice(0, first.pos[0]).split("\n").length;
      throw new GadugiError("GADUGI_CONFIG_INVALID", {
        file: shown,
        issues: [`- line ${line}: ${first.message.split("\n")[0]}`],
      });
    }
    value = doc.toJS() ?? {};
    lineOf = (key) => {
      const node = doc.getIn(key, true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : text.slice(0, offset).split("\n").length;
    };
  } else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new GadugiError(
        "GADUGI_CONFIG_INVALID",
        { file: shown, issues: [`- (root): not valid JSON (${(error as Error).message})`] },
        { cause: error },
      );
    }
  }
  const result = GadugiConfig.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const key = path.length > 0 ? path.join(".") : "(root)";
    const line = lineOf(path);
    return `- ${key}${line ? ` (line ${line})` : ""}: ${issue.message}`;
  });
  throw new GadugiError("GADUGI_CONFIG_INVALID", { file: shown, issues }, { cause: result.error });
}

/** The text `gadugi init` writes: every commonly changed key with its default. */
export function defaultConfigText(): string {
  const config = {
    maxParallel: 4,
    promptsDir: "prompts",
    worktreeDir: ".worktrees",
    branchPrefix: "gadugi/",
    agent: "claude",
    agents: {
      claude: { kind: "claude", autonomy: "edit", timeoutSec: 3600 },
      shell: { kind: "command", command: ["sh", "{prompt_file}"], timeoutSec: 600 },
    },
    analysis: { softEdges: "serialize", importDepth: 1 },
    workflow: { testRetries: 1 },
    integration: { enabled: true, resolveConflicts: true },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Writes a starter config; refuses to overwrite an existing one unless `force`. */
export async function writeDefaultConfig(
  repoRoot: string,
  options: { force?: boolean } = {},
): Promise<string> {
  const path = join(repoRoot, CONFIG_FILE_NAMES[0]);
  const text = defaultConfigText();
  GadugiConfig.parse(JSON.parse(text));
  try {
    await writeFile(path, text, { flag: options.force ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new GadugiError(
        "GADUGI_INVALID_ARGUMENT",
        { name: "init", value: path, expected: "no existing config file" },
        { hint: "Use `gadugi init --force` to overwrite it." },
      );
    }
    throw new GadugiError(
      "GADUGI_FILE_UNWRITABLE",
      { path, reason: (error as Error).message },
      { cause: error },
    );
  }
  return path;
}
