import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { GadugiConfig, RunSettings } from "@gadugi/interfaces";
import { loadConfig } from "./config.js";

export type { RunSettings };

/** sha256 of a config file's content; undefined when there is no file or it cannot be read. */
export async function configHash(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
  } catch {
    return undefined;
  }
}

export interface RunSettingsInput {
  agent?: string;
  maxParallel: number;
  timeoutSec?: number;
  integrate: boolean;
  keepWorktrees: boolean;
  githubOff: boolean;
  configFile?: string;
  maxBudgetUsd?: number;
  maxBudgetTokens?: number;
}

/** The settings a run starts with, as `run.settings` journals them. */
export async function settingsForRun(input: RunSettingsInput, config: GadugiConfig): Promise<RunSettings> {
  const hash = await configHash(input.configFile);
  const maxUsd = input.maxBudgetUsd ?? config.budget.maxUsd;
  const maxTokens = input.maxBudgetTokens ?? config.budget.maxTokens;
  const budget = {
    ...(maxUsd === undefined ? {} : { maxUsd }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
  };
  return {
    ...(input.agent === undefined ? {} : { agent: input.agent }),
    maxParallel: input.maxParallel,
    ...(input.timeoutSec === undefined ? {} : { timeoutSec: input.timeoutSec }),
    integrate: input.integrate,
    keepWorktrees: input.keepWorktrees,
    softEdges: config.analysis.softEdges,
    mergeRules: config.integration.mergeRules !== false,
    openPullRequest: config.integration.openPullRequest,
    github: input.githubOff ? "off" : "auto",
    ...(input.configFile === undefined ? {} : { configFile: input.configFile }),
    ...(hash === undefined ? {} : { configHash: hash }),
    ...(Object.keys(budget).length === 0 ? {} : { budget }),
  };
}

/** What `resume` was told explicitly; each one given replaces the journaled setting. */
export interface ResumeOverrides {
  agent?: string;
  maxParallel?: number;
  timeoutSec?: number;
  keepWorktrees?: boolean;
  /** `--config`: a config file other than the run's. */
  configFile?: string;
  /** `--max-budget-usd` / tokens: the run's budget from here on (a raised one lets a stopped run finish). */
  maxBudgetUsd?: number;
  maxBudgetTokens?: number;
}

/**
 * The settings a resume continues with: the journaled ones, each override given replacing its
 * setting (named in `overrides`, so the journal says what the resume changed).
 */
export async function settingsForResume(
  journaled: RunSettings,
  given: ResumeOverrides,
): Promise<{ settings: RunSettings; overrides: string[] }> {
  const settings: RunSettings = { ...journaled };
  const overrides: string[] = [];
  const take = <K extends keyof ResumeOverrides & keyof RunSettings>(key: K) => {
    const value = given[key];
    if (value === undefined || value === journaled[key]) return;
    (settings as Record<string, unknown>)[key] = value;
    overrides.push(key);
  };
  take("agent");
  take("maxParallel");
  take("timeoutSec");
  take("keepWorktrees");
  take("configFile");
  const budget = { ...journaled.budget };
  if (given.maxBudgetUsd !== undefined && given.maxBudgetUsd !== budget.maxUsd)
    budget.maxUsd = given.maxBudgetUsd;
  if (given.maxBudgetTokens !== undefined && given.maxBudgetTokens !== budget.maxTokens)
    budget.maxTokens = given.maxBudgetTokens;
  if (budget.maxUsd !== journaled.budget?.maxUsd || budget.maxTokens !== journaled.budget?.maxTokens) {
    settings.budget = budget;
    overrides.push("budget");
  }
  // The hash of the file as it is now; a file that cannot be read is no config file of the run.
  const hash = await configHash(settings.configFile);
  if (hash === undefined) {
    delete settings.configFile;
    delete settings.configHash;
  } else {
    settings.configHash = hash;
  }
  return { settings, overrides };
}

/**
 * The config a resume runs with: the explicitly given one, else the run's own file read again
 * (with a warning when it changed since the run started). The run's journaled switches are laid
 * over it so the rest of the run behaves as it began — unless the resume was given another config
 * file (`configFile` among the overrides), whose switches then apply.
 */
export async function configForResume(
  repoRoot: string,
  resumed: { settings: RunSettings; overrides: readonly string[] },
  journaledHash: string | undefined,
  explicit: GadugiConfig | undefined,
): Promise<{ config: GadugiConfig; warning?: string }> {
  const { settings, overrides } = resumed;
  let config = explicit;
  let warning: string | undefined;
  if (config === undefined) {
    const loaded = await loadConfig(repoRoot, settings.configFile ? { file: settings.configFile } : {});
    config = loaded.config;
    if (journaledHash !== undefined && settings.configHash !== journaledHash) {
      warning = `${settings.configFile ?? "the config file"} changed since the run started; the resume uses it as it is now (the run's agent, limits and switches are kept)`;
    }
  }
  const merged: GadugiConfig = structuredClone(config);
  if (!overrides.includes("configFile")) {
    merged.analysis.softEdges = settings.softEdges;
    merged.integration.openPullRequest = settings.openPullRequest;
    if (settings.mergeRules === false) merged.integration.mergeRules = false;
  }
  return warning === undefined ? { config: merged } : { config: merged, warning };
}
