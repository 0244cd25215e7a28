import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { runAgent } from "@gadugi/agents";
import { FAST_THROTTLE, GitHubOperations } from "@gadugi/github-ops";
import {
  type AgentConfig,
  type AgentRunRequest,
  type AgentRunResult,
  GadugiConfig,
  type GadugiConfigInput,
  type RunEvent,
  TaskData,
  type WorkflowState,
} from "@gadugi/interfaces";
import { WorkflowStateManager } from "@gadugi/state";
import {
  createTempDir,
  createTempRepo,
  type GitHubServer,
  type GitHubServerOptions,
  startGitHubServer,
  type TempRegistry,
  type TempRepo,
} from "@gadugi/test-utils";
import { WorktreeManager } from "@gadugi/worktree-manager";
import { WorkflowManager } from "../manager.js";
import type { AgentPurpose, RunTaskOptions, WorkflowManagerOptions } from "../types.js";

/** Shell snippets a fake agent runs in the worktree (`sh -c`). */
export const AGENT = {
  /** Sets feature to 2 (what the tests want) and commits. */
  commitFix: `printf 'export const feature = 2;\\n' > src/feature.ts && git add -A && git commit -qm "agent: feature 2"`,
  /** Sets feature to 2 and leaves it uncommitted. */
  editOnly: `printf 'export const feature = 2;\\n' > src/feature.ts`,
  /** Sets feature to 3 (tests fail) and commits. */
  commitWrong: `printf 'export const feature = 3;\\n' > src/feature.ts && git add -A && git commit -qm "agent: feature 3"`,
  /** Sets feature to 4 (tests still fail), uncommitted. */
  editWrong: `printf 'export const feature = 4;\\n' > src/feature.ts`,
  /** Sets feature to 2 and adds a new top-level module: documentation is needed. */
  newModule: `printf 'export const feature = 2;\\n' > src/feature.ts && printf 'export const extra = true;\\n' > src/extra.ts && git add -A && git commit -qm "agent: extra module"`,
  /** Documents the new module, uncommitted. */
  document: `printf '\\n## extra\\n\\nThe new \`extra\` export.\\n' >> README.md`,
  fail: `echo 'error: cannot make sense of the task' >&2; exit 3`,
  /** Fails the way an overloaded API does: the scheduler may retry. */
  failTransient: `echo 'API Error: 529 {"type":"overloaded_error","message":"Overloaded"}' >&2; exit 1`,
  noop: "true",
  slow: "sleep 20",
} as const;

export const TASK_ID = "task-20250101-000000-abcd";

export function makeTask(overrides: Partial<TaskData> = {}): TaskData {
  return TaskData.parse({
    id: TASK_ID,
    slug: "feature-two",
    name: "Make feature two",
    promptFile: "prompts/feature-two.md",
    description: "Change the exported feature constant to 2.",
    sections: { Requirements: "`feature` must be 2.", "Success criteria": "`node check.mjs` passes." },
    targetFiles: [{ path: "src/feature.ts", access: "modifies" }],
    ...overrides,
  });
}

const CHECK = `import { readFileSync } from "node:fs";
const text = readFileSync("src/feature.ts", "utf8");
if (!text.includes("= 2;")) {
  console.error("FAIL expected feature = 2, got: " + text.trim());
  process.exit(1);
}
console.log("ok: feature is 2");
`;

const REVIEW = `let diff = "";
process.stdin.on("data", (c) => (diff += c));
process.stdin.on("end", () => {
  const files = diff.split("\\n").filter((l) => l.startsWith("diff --git")).length;
  console.log("Reviewed " + files + " file(s); the change is small and tested.");
  console.log("VERDICT: " + (process.env.REVIEW_VERDICT ?? "approve"));
});
`;

export interface HarnessOptions {
  /** A bare `origin` with main pushed (default), none, or one that refuses pushes. */
  origin?: "bare" | "none" | "broken";
  /** The local GitHub server with a token (default), the server without a token, or no GitHub at all. */
  github?: "server" | "no-token" | "none";
  /** Options of the local GitHub server (another `pullAuthor` lets approvals through). */
  server?: GitHubServerOptions;
  workflow?: GadugiConfigInput["workflow"];
  /** Other config keys (setup, agents...). */
  config?: Omit<GadugiConfigInput, "workflow">;
  /** Shell snippet per agent purpose; the implementation default commits feature = 2. */
  agents?: Partial<Record<AgentPurpose, string>>;
  /** No check.mjs test command. */
  noTestCommand?: boolean;
  manager?: Partial<WorkflowManagerOptions>;
}

export interface Harness {
  repo: TempRepo;
  state: WorkflowStateManager;
  runId: string;
  runDir: string;
  config: GadugiConfig;
  agent: AgentConfig;
  server?: GitHubServer;
  github?: GitHubOperations;
  originDir?: string;
  /** Every agent request, in order. */
  calls: AgentRunRequest[];
  purposes(): AgentPurpose[];
  createManager(overrides?: Partial<WorkflowManagerOptions>): WorkflowManager;
  run(options?: Partial<RunTaskOptions>, manager?: WorkflowManager): Promise<WorkflowState>;
  events(): RunEvent[];
  /** `git` in the bare origin. */
  originGit(args: string[]): Promise<string>;
  worktree(): string;
}

/** A temp repo with a bare origin, the local GitHub server, a run, and a fake command agent. */
export async function createHarness(temp: TempRegistry, options: HarnessOptions = {}): Promise<Harness> {
  const repo = temp.track(
    await createTempRepo({
      files: {
        "README.md": "# demo\n",
        "src/feature.ts": "export const feature = 1;\n",
        "check.mjs": CHECK,
        "review.mjs": REVIEW,
      },
    }),
  );
  const originDir = await addOrigin(temp, repo, options.origin ?? "bare");
  const { server, github } = await startGitHub(temp, options.github ?? "server", options.server);
  const config = harnessConfig(options);
  const state = new WorkflowStateManager(repo.dir);
  temp.track({ cleanup: () => state.close() });
  const runId = "run-1";
  const task = makeTask();
  await state.createRun({ runId, baseRef: "main", tasks: [task] });
  const runDir = state.paths.run(runId);
  const worktrees = new WorktreeManager({ repoRoot: repo.dir, env: repo.env });
  const agent: AgentConfig = {
    kind: "command",
    command: ["sh", "-c", "true"],
    autonomy: "edit",
    timeoutSec: 60,
    env: {},
  };
  const calls: AgentRunRequest[] = [];
  const agentRunner = scriptedAgentRunner({ implementation: AGENT.commitFix, ...options.agents }, calls);

  const createManager = (overrides: Partial<WorkflowManagerOptions> = {}) =>
    new WorkflowManager({
      repoRoot: repo.dir,
      runId,
      config,
      state,
      worktrees,
      agentRunner,
      runDir,
      env: repo.env,
      ...(github ? { github } : {}),
      ...options.manager,
      ...overrides,
    });

  const harness: Harness = {
    repo,
    state,
    runId,
    runDir,
    config,
    agent,
    calls,
    purposes: () => calls.map((c) => c.purpose),
    createManager,
    run: (runOptions = {}, manager = createManager()) =>
      manager.runTask(task, { baseRef: "main", agent, ...runOptions }),
    events: () => readJournal(state, runId),
    originGit: (args) => {
      if (!originDir) throw new Error("no bare origin in this harness");
      return repo.git(["--git-dir", originDir, ...args]);
    },
    worktree: () => path.join(repo.dir, ".worktrees", TASK_ID),
  };
  if (server) harness.server = server;
  if (github) harness.github = github;
  if (originDir) harness.originDir = originDir;
  return harness;
}

/** The harness's `origin`: a bare repository with main pushed (its path), one that refuses pushes, or none. */
async function addOrigin(
  temp: TempRegistry,
  repo: TempRepo,
  origin: NonNullable<HarnessOptions["origin"]>,
): Promise<string | undefined> {
  if (origin === "bare") {
    const originDir = path.join(temp.track(createTempDir("gadugi-origin-")).path, "origin.git");
    await repo.git(["init", "--quiet", "--bare", "-b", "main", originDir]);
    await repo.git(["remote", "add", "origin", originDir]);
    await repo.git(["push", "--quiet", "origin", "main"]);
    return originDir;
  }
  if (origin === "broken") {
    await repo.git(["remote", "add", "origin", path.join(repo.dir, "..", "no-such-origin.git")]);
  }
  return undefined;
}

/** The local GitHub server and a client of it (with a token, or without one), or neither. */
async function startGitHub(
  temp: TempRegistry,
  mode: NonNullable<HarnessOptions["github"]>,
  serverOptions: GitHubServerOptions = {},
): Promise<{ server?: GitHubServer; github?: GitHubOperations }> {
  if (mode === "none") return {};
  const server = await startGitHubServer(serverOptions);
  temp.track({ cleanup: () => server.close() });
  const github = new GitHubOperations({
    owner: "acme",
    repo: "widgets",
    baseUrl: server.url,
    throttle: FAST_THROTTLE,
    retries: 0,
    labels: ["gadugi", "automation"],
    ...(mode === "server" ? { token: "test-token" } : {}),
  });
  return { server, github };
}

/** The run's config: the options' keys, a 60 s task timeout, acme/widgets, `check.mjs` as the test command. */
function harnessConfig(options: HarnessOptions): GadugiConfig {
  return GadugiConfig.parse({
    ...options.config,
    taskTimeoutSec: 60,
    github: { owner: "acme", repo: "widgets", labels: ["gadugi", "automation"] },
    workflow: {
      ...(options.noTestCommand ? {} : { testCommand: `"${process.execPath}" check.mjs` }),
      ...options.workflow,
    },
  });
}

/** An agent runner that records each request in `calls` and runs the purpose's shell snippet (default: none). */
function scriptedAgentRunner(
  scripts: Partial<Record<AgentPurpose, string>>,
  calls: AgentRunRequest[],
): (request: AgentRunRequest, opts: { signal: AbortSignal }) => Promise<AgentRunResult> {
  return (request, opts) => {
    calls.push(request);
    const script = scripts[request.purpose] ?? AGENT.noop;
    return runAgent(
      { ...request, agent: { ...request.agent, command: ["sh", "-c", script] } },
      { signal: opts.signal, killGraceMs: 500 },
    );
  };
}

/** The run's journal, event by event (none before it was written). */
function readJournal(state: WorkflowStateManager, runId: string): RunEvent[] {
  const file = state.paths.journal(runId);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as RunEvent);
}

/** The record of `phase` in `state`. */
export function phaseOf(state: WorkflowState, phase: string) {
  const record = state.phases.find((p) => p.phase === phase);
  if (!record) throw new Error(`no record of phase ${phase}: ${state.phases.map((p) => p.phase).join(", ")}`);
  return record;
}

/** `phase: status` for every phase of `state`. */
export function statuses(state: WorkflowState): Record<string, string> {
  return Object.fromEntries(state.phases.map((p) => [p.phase, p.status]));
}
