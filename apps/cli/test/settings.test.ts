import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "@gadugi/agents";
import type { ExecutionPlan } from "@gadugi/interfaces";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { type CliResult, runCli } from "./run-cli.js";

const temp = useTempDirs();

function cli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  name: "gadugi" | "orchestrator-agent" = "gadugi",
): Promise<CliResult> {
  return runCli(cwd, args, { env, bin: name });
}

const AGENT = { agent: "echo", agents: { echo: { kind: "command", command: "node --version" } } };

async function repoWith(
  config: Record<string, unknown>,
  files: Record<string, string> = {},
): Promise<TempRepo> {
  return temp.track(
    await createTempRepo({
      files: {
        "gadugi.config.json": JSON.stringify(config),
        "x.md": "# Add x\n\n## Overview\nCreate `src/x.js`.\n",
        ...files,
      },
    }),
  );
}

/** Runs `args` as a dry run and as a real run: both must fail the same way, before any run starts. */
async function failsAlike(repo: TempRepo, args: string[]): Promise<CliResult> {
  const dry = await cli(repo.dir, ["run", "--dry-run", ...args], repo.env);
  const real = await cli(repo.dir, ["run", ...args], repo.env);
  expect(dry.code).not.toBe(0);
  expect({ code: real.code, stderr: real.stderr }).toEqual({ code: dry.code, stderr: dry.stderr });
  expect(existsSync(join(repo.dir, ".gadugi", "runs"))).toBe(false);
  return dry;
}

describe("a dry run checks what the run checks", () => {
  it("gadugi run --dry-run --agent nosuchagent fails like the run, with exit 6", async () => {
    const repo = await repoWith(AGENT);
    const result = await failsAlike(repo, ["--agent", "nosuchagent", "x.md"]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain("GADUGI_AGENT_NOT_FOUND");
    expect(result.stderr).toContain('"nosuchagent"');
  });

  it("refuses an agent program that is not installed, a bad --base, --max-parallel and --timeout", async () => {
    const missing = await repoWith({
      agent: "gone",
      agents: { gone: { kind: "command", command: ["no-such-agent-cli"] } },
    });
    expect((await failsAlike(missing, ["x.md"])).stderr).toContain("GADUGI_COMMAND_NOT_FOUND");
    const repo = await repoWith(AGENT);
    expect((await failsAlike(repo, ["--base", "nowhere", "x.md"])).stderr).toContain("--base");
    const tooMany = await failsAlike(repo, ["--max-parallel", "65", "x.md"]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain(
      'Invalid value "65" for --max-parallel: expected a whole number from 1 to 64',
    );
    const timeout = await failsAlike(repo, ["--timeout", "10 minutes", "x.md"]);
    expect(timeout.stderr).toContain(
      'Invalid value "10 minutes" for --timeout: expected a duration such as "90s"',
    );
  });

  it("reports a command that needs a shell at load time, naming the file and key, exit 3", async () => {
    const repo = await repoWith({ ...AGENT, setup: { commands: ["npm ci", "npm run build && npm test"] } });
    const result = await failsAlike(repo, ["x.md"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "gadugi.config.json: setup.commands[1]: cannot run `npm run build && npm test` without a shell",
    );
    expect(result.stderr).toContain('["sh", "-c", "..."]');
  });

  it("says what to set when no agent is configured", async () => {
    const repo = await repoWith({});
    const result = await failsAlike(repo, ["x.md"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("GADUGI_NO_AGENT");
    expect(result.stderr).toContain('Set "agent" in gadugi.config.json');
  });

  it("passes with durations and a valid setup, printing the plan", async () => {
    const repo = await repoWith({
      ...AGENT,
      taskTimeoutSec: "2h",
      setup: { commands: [["node", "-e", "1 && 2"]] },
    });
    const result = await cli(
      repo.dir,
      ["run", "--dry-run", "--timeout", "90s", "--max-parallel", "2", "x.md"],
      repo.env,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("(dry run: nothing was changed)");
  });
});

describe("--max-parallel is checked alike everywhere", () => {
  it("resume and demo reject what run rejects", async () => {
    const repo = await repoWith(AGENT);
    for (const args of [
      ["resume", "--max-parallel", "0"],
      ["resume", "--max-parallel", "65"],
      ["demo", "--max-parallel", "abc", "--dir", join(temp.dir(), "demo")],
    ]) {
      const result = await cli(repo.dir, args, repo.env);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("for --max-parallel: expected a whole number from 1 to 64");
    }
  });
});

describe("orchestrator-agent execute", () => {
  const coupled = {
    "package.json": '{ "name": "fixture", "type": "module" }\n',
    "tsconfig.json": '{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext" } }\n',
    "src/math.ts": "export const add = (a: number, b: number) => a + b;\n",
    "src/app.ts": 'import { add } from "./math.js";\nexport const total = add(1, 2);\n',
    "prompts/math.md": "# Add sub\n\nUpdate `src/math.ts`.\n",
    "prompts/app.md": "# Print totals\n\nChange `src/app.ts`.\n",
  };
  const levels = async (repo: TempRepo, args: string[]) => {
    const result = await cli(
      repo.dir,
      ["execute", "--dry-run", "--json", ...args],
      repo.env,
      "orchestrator-agent",
    );
    expect(result.stderr).toBe("");
    return (JSON.parse(result.stdout) as ExecutionPlan).levels.length;
  };

  it("serializes import-coupled tasks by default, like gadugi run, and follows the config and flags", async () => {
    const repo = await repoWith(AGENT, coupled);
    const prompts = ["prompts/math.md", "prompts/app.md"];
    expect(await levels(repo, prompts)).toBe(2);
    expect(await levels(repo, ["--no-conflict-check", ...prompts])).toBe(1);
    writeFileSync(
      join(repo.dir, "gadugi.config.json"),
      JSON.stringify({ ...AGENT, analysis: { softEdges: "warn" } }),
    );
    expect(await levels(repo, prompts)).toBe(1);
    expect(await levels(repo, ["--conflict-check", ...prompts])).toBe(2);
  });
});

describe("gadugi init", () => {
  /** A PATH with git and, when given, a fake agent CLI: the machine's own agents do not show. */
  function pathWith(agent?: string): string {
    const dir = temp.dir();
    symlinkSync(findExecutable("git") as string, join(dir, "git"));
    if (agent) writeFileSync(join(dir, agent), "#!/bin/sh\necho 1.0.0\n", { mode: 0o755 });
    return dir;
  }

  it("uses the agent CLI that is installed", async () => {
    const repo = temp.track(await createTempRepo());
    const result = await cli(repo.dir, ["init"], { ...repo.env, PATH: pathWith("claude") });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("agent: claude");
    expect(result.stdout).toContain("reviewer: claude (workflow.reviewer), run read-only");
    const written = JSON.parse(readFileSync(join(repo.dir, "gadugi.config.json"), "utf8"));
    expect(written.agent).toBe("claude");
    expect(written.workflow.reviewer).toBe("claude");
  });

  it("with no agent CLI installed, sets none and says how to add one", async () => {
    const repo = temp.track(await createTempRepo());
    mkdirSync(join(repo.dir, "prompts"));
    const result = await cli(repo.dir, ["init"], { ...repo.env, PATH: pathWith() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No agent CLI");
    expect(result.stdout).toContain("No reviewer is set either: a command agent is your own program");
    const written = JSON.parse(readFileSync(join(repo.dir, "gadugi.config.json"), "utf8"));
    expect(written.agent).toBeUndefined();
    expect(written.workflow.reviewer).toBeUndefined();
  });
});

describe("analyze --help", () => {
  it("prints one default for --cwd", async () => {
    const result = await cli(process.cwd(), ["analyze", "--help"]);
    const line = result.stdout.split("\n").find((l) => l.includes("--cwd")) ?? "";
    expect(line.match(/default/g)).toHaveLength(1);
  });
});
