import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { FAST_THROTTLE, GitHubOperations } from "@gadugi/github-ops";
import {
  createTempRepo,
  type GitHubServer,
  startGitHubServer,
  type TempRegistry,
  type TempRepo,
} from "@gadugi/test-utils";
import { SAMPLE_REPO_SOURCE } from "../sample.js";

/** A prompt the sample agent carries out: create `file`. */
export function samplePrompt(title: string, file: string, frontmatter = ""): string {
  const fm = frontmatter ? `---\n${frontmatter}\n---\n` : "";
  return `${fm}# ${title}\n\n## Overview\nCreate \`${file}\`.\n\n## Implementation\n\`\`\`js file=${file} mode=create\nexport const v = ${JSON.stringify(title)};\n\`\`\`\n`;
}

/** The config of a fixture whose agent is the demo's sample agent (`tools/sample-agent.mjs`). */
export function sampleConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agent: "sample",
    agents: { sample: { kind: "command", command: ["node", "tools/sample-agent.mjs", "{prompt_file}"] } },
    workflow: { testCommand: "node --test" },
    ...extra,
  };
}

/**
 * A temp repository (removed after the test) with a passing `node --test` suite, `config` as
 * gadugi.config.json, `prompts` under prompts/ and the sample agent committed in tools/.
 */
export async function repoWithSampleAgent(
  temp: TempRegistry,
  prompts: Record<string, string>,
  config: Record<string, unknown> = sampleConfig(),
): Promise<TempRepo> {
  const repo = temp.track(
    await createTempRepo({
      files: {
        "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
        "test/ok.test.js": 'import { test } from "node:test";\ntest("ok", () => {});\n',
        "gadugi.config.json": JSON.stringify(config),
        ...Object.fromEntries(Object.entries(prompts).map(([n, t]) => [`prompts/${n}`, t])),
      },
    }),
  );
  mkdirSync(join(repo.dir, "tools"));
  copyFileSync(
    join(SAMPLE_REPO_SOURCE, "tools", "sample-agent.mjs"),
    join(repo.dir, "tools", "sample-agent.mjs"),
  );
  await repo.commit("agent");
  return repo;
}

/**
 * A bare `origin` (its HEAD on `originHead`) with the repository's main pushed and fetched, and
 * the local GitHub server with a client for acme/widgets pointed at it; both removed after the test.
 */
export async function originAndGitHub(
  temp: TempRegistry,
  repo: TempRepo,
  originHead = "main",
): Promise<{ origin: string; server: GitHubServer; github: GitHubOperations }> {
  const origin = temp.dir();
  await repo.git(["init", "--quiet", "--bare", "-b", originHead, origin]);
  await repo.git(["remote", "add", "origin", origin]);
  await repo.git(["push", "--quiet", "origin", "main"]);
  await repo.git(["fetch", "--quiet", "origin"]);
  const server = await startGitHubServer();
  temp.track({ cleanup: () => server.close() });
  const github = new GitHubOperations({
    owner: "acme",
    repo: "widgets",
    token: "test-token",
    baseUrl: server.url,
    throttle: FAST_THROTTLE,
    retries: 0,
  });
  return { origin, server, github };
}
