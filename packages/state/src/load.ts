import { stat } from "node:fs/promises";
import { GadugiError } from "@gadugi/error-handling";
import { RunState } from "@gadugi/interfaces";
import { readJsonFile } from "./atomic.js";
import { EventJournal } from "./journal.js";
import { statePaths } from "./paths.js";
import { reduceRunState } from "./reduce.js";
import { type Clock, errnoCode } from "./util.js";

export interface LoadedRun {
  state: RunState;
  /** True when the state differs from state.json (rebuilt or caught up from the journal). */
  changed: boolean;
  warnings: string[];
}

export async function runExists(repoRoot: string, runId: string): Promise<boolean> {
  const paths = statePaths(repoRoot);
  for (const file of [paths.state(runId), paths.journal(runId)]) {
    try {
      await stat(file);
      return true;
    } catch (error) {
      if (errnoCode(error) !== "ENOENT" && errnoCode(error) !== "ENOTDIR") throw error;
    }
  }
  return false;
}

/**
 * Loads a run's state without writing anything but a moved-aside corrupt file: state.json when
 * valid, caught up with journal events newer than its `journalSeq`; rebuilt from the journal
 * when state.json is missing or corrupt (the corrupt file is moved aside).
 */
export async function loadRunState(repoRoot: string, runId: string, now?: Clock): Promise<LoadedRun> {
  const paths = statePaths(repoRoot);
  const warnings: string[] = [];
  let state: RunState | undefined;
  let stateError: GadugiError | undefined;
  try {
    state = await readJsonFile(RunState, paths.state(runId), { now });
  } catch (error) {
    if (GadugiError.is(error, "GADUGI_STATE_CORRUPT")) {
      stateError = error;
      warnings.push(`${error.message} Rebuilding it from the journal.`);
    } else if (!GadugiError.is(error, "GADUGI_STATE_NOT_FOUND")) {
      throw error;
    }
  }
  const journal = EventJournal.forRun(repoRoot, runId);
  let events: Awaited<ReturnType<EventJournal["read"]>>;
  try {
    events = await journal.read();
  } catch (error) {
    if (state !== undefined && GadugiError.is(error, "GADUGI_STATE_CORRUPT")) {
      warnings.push(`${error.message} Using state.json without the journal.`);
      return { state, changed: false, warnings };
    }
    if (stateError !== undefined && GadugiError.is(error, "GADUGI_STATE_CORRUPT")) {
      // Both are damaged: report the journal, keep the moved-aside state file as the cause.
      throw new GadugiError("GADUGI_STATE_CORRUPT", error.args, { cause: stateError, hint: error.hint });
    }
    throw error;
  }
  warnings.push(...events.warnings);
  if (state !== undefined) {
    if (events.lastSeq > state.journalSeq) {
      return {
        state: reduceRunState(events.events, { initial: state, source: journal.path }),
        changed: true,
        warnings,
      };
    }
    if (events.lastSeq < state.journalSeq) {
      warnings.push(
        `${paths.state(runId)} has journal seq ${state.journalSeq} but ${journal.path} ends at ${events.lastSeq}.`,
      );
    }
    return { state, changed: false, warnings };
  }
  if (events.events.length === 0) {
    if (stateError !== undefined) throw stateError;
    throw new GadugiError("GADUGI_RUN_NOT_FOUND", { runId });
  }
  return { state: reduceRunState(events.events, { source: journal.path }), changed: true, warnings };
}
