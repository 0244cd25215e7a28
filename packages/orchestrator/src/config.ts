import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { findExecutable, getAdapter } from "@gadugi/agents";
import { GadugiError } from "@gadugi/error-handling";
import { type CommandSetting, toArgv } from "@gadugi/git";
import { AgentKind, GadugiConfig } from "@gadugi/interfaces";
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
  if (result.success) {
    checkCommands(result.data, shown, lineOf);
    return result.data;
  }
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const key = path.length > 0 ? path.join(".") : "(root)";
    const line = lineOf(path);
    return `- ${key}${line ? ` (line ${line})` : ""}: ${issue.message}`;
  });
  throw new GadugiError("GADUGI_CONFIG_INVALID", { file: shown, issues }, { cause: result.error });
}

/** Every command setting of `config`, with the key naming it (`setup.commands[1]`) and its path. */
export function commandSettings(
  config: GadugiConfig,
): { key: string; path: (string | number)[]; command: CommandSetting }[] {
  const found: { key: string; path: (string | number)[]; command: CommandSetting }[] = [];
  const add = (path: (string | number)[], command: CommandSetting | undefined) => {
    if (command === undefined) return;
    const key = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
    found.push({ key, path, command });
  };
  for (const [i, command] of config.setup.commands.entries()) add(["setup", "commands", i], command);
  add(["workflow", "testCommand"], config.workflow.testCommand);
  add(["workflow", "reviewCommand"], config.workflow.reviewCommand);
  add(["integration", "testCommand"], config.integration.testCommand);
  for (const [name, agent] of Object.entries(config.agents)) add(["agents", name, "command"], agent.command);
  return found;
}

/** Each command setting must run without a shell: GADUGI_COMMAND_SYNTAX naming the file and key. */
function checkCommands(
  config: GadugiConfig,
  shown: string,
  lineOf: (key: (string | number)[]) => number | undefined,
): void {
  for (const { key, path, command } of commandSettings(config)) {
    try {
      toArgv(command);
    } catch (error) {
      if (!GadugiError.is(error, "GADUGI_COMMAND_SYNTAX")) throw error;
      const line = lineOf(path);
      const where = `${shown}: ${key}${line ? ` (line ${line})` : ""}`;
      throw new GadugiError("GADUGI_COMMAND_SYNTAX", { ...error.args, where }, { cause: error });
    }
  }
}

/** The built-in agents `gadugi init` looks for on PATH, in order of preference. */
const INIT_AGENTS = AgentKind.options.filter((kind) => kind !== "command");

/** The first built-in agent CLI installed on the PATH of `env`, if any. */
export function installedAgentKind(env: Readonly<Record<string, string | undefined>> = process.env) {
  return INIT_AGENTS.find((kind) => {
    const program = getAdapter(kind).program;
    return program !== undefined && findExecutable(program, env) !== undefined;
  });
}

/**
 * The text `gadugi init` writes: the commonly changed keys with their defaults, and `agent` set to
 * `agent` (an installed agent CLI) when there is one, the same CLI as `workflow.reviewer` (run
 * read-only by the review phase). Without one, no agent and no reviewer are set, so a run says
 * what to set (GADUGI_NO_AGENT) instead of starting an agent that cannot work.
 */
export function defaultConfigText(agent?: AgentKind): string {
  const config = {
    maxParallel: 4,
    promptsDir: "prompts",
    worktreeDir: ".worktrees",
    branchPrefix: "gadugi/",
    ...(agent === undefined ? {} : { agent, agents: { [agent]: { kind: agent, autonomy: "edit" } } }),
    taskTimeoutSec: "1h",
    setup: { commands: [], installDependencies: true, reuseNodeModules: false },
    analysis: { softEdges: "serialize", importDepth: 1 },
    workflow: { testRetries: 1, ...(agent === undefined ? {} : { reviewer: agent }) },
    integration: { enabled: true, resolveConflicts: true, mergeRules: {} },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface WrittenConfig {
  path: string;
  /** The agent the config uses; undefined when no agent CLI was found on PATH. */
  agent?: AgentKind;
  /** workflow.reviewer: the same agent CLI; undefined with no agent. */
  reviewer?: AgentKind;
}

/**
 * Writes a starter config using the first agent CLI found on the PATH of `env` (claude, codex,
 * gemini, opencode, aider); refuses to overwrite an existing one unless `force`.
 */
export async function writeDefaultConfig(
  repoRoot: string,
  options: { force?: boolean; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<WrittenConfig> {
  const path = join(repoRoot, CONFIG_FILE_NAMES[0]);
  const agent = installedAgentKind(options.env);
  const text = defaultConfigText(agent);
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
  return agent === undefined ? { path } : { path, agent, reviewer: agent };
}
