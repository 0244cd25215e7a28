import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { createTempRepo, startGitHubServer, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { createGitHubOperations, discoverGitHub, enterpriseApiUrl, FAST_THROTTLE } from "./index.js";

const temp = useTempDirs();
const ENV_TOKEN = "ghp_fromenvfromenvfromenvfromenvfromenv";
const GH_TOKEN = "gho_fromghfromghfromghfromghfromghfromgh";

function findOnPath(program: string): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${program} not found on PATH`);
}

/** A PATH with git and, optionally, a fake `gh` that records its arguments. */
function makePath(gh?: { stdout?: string; stderr?: string; exitCode?: number }): {
  PATH: string;
  calls: string;
} {
  const bin = temp.dir("gadugi-bin-");
  symlinkSync(findOnPath("git"), join(bin, "git"));
  const calls = join(bin, "gh-calls.txt");
  if (gh) {
    const script = [
      "#!/bin/sh",
      `printf '%s\\n' "$*" >> '${calls}'`,
      gh.stdout === undefined ? "" : `printf '%s\\n' '${gh.stdout}'`,
      gh.stderr === undefined ? "" : `printf '%s\\n' '${gh.stderr}' >&2`,
      `exit ${gh.exitCode ?? 0}`,
    ].join("\n");
    writeFileSync(join(bin, "gh"), `${script}\n`);
    chmodSync(join(bin, "gh"), 0o755);
  }
  return { PATH: bin, calls };
}

function ghCalls(calls: string): string[] {
  return existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [];
}

async function repoWithOrigin(url?: string): Promise<TempRepo> {
  const repo = temp.track(await createTempRepo());
  if (url) await repo.git(["remote", "add", "origin", url]);
  return repo;
}

/** A complete environment with no GitHub variables, whatever the machine running the tests has. */
function envFor(repo: TempRepo, PATH: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...repo.env, PATH, ...extra };
}

describe("token discovery", () => {
  it("takes GITHUB_TOKEN first, then GH_TOKEN, without running gh", async () => {
    const repo = await repoWithOrigin("https://github.com/acme/widgets.git");
    const { PATH, calls } = makePath({ stdout: GH_TOKEN });
    const both = await discoverGitHub({
      repoRoot: repo.dir,
      env: envFor(repo, PATH, { GITHUB_TOKEN: ENV_TOKEN, GH_TOKEN: "ghp_second" }),
    });
    expect(both).toMatchObject({ token: ENV_TOKEN, tokenSource: "GITHUB_TOKEN" });
    const second = await discoverGitHub({
      repoRoot: repo.dir,
      env: envFor(repo, PATH, { GITHUB_TOKEN: " ", GH_TOKEN: ENV_TOKEN }),
    });
    expect(second).toMatchObject({ token: ENV_TOKEN, tokenSource: "GH_TOKEN" });
    expect(ghCalls(calls)).toEqual([]);
  });

  it("asks `gh auth token` when no variable is set", async () => {
    const repo = await repoWithOrigin("https://github.com/acme/widgets.git");
    const { PATH, calls } = makePath({ stdout: GH_TOKEN });
    const found = await discoverGitHub({ repoRoot: repo.dir, env: envFor(repo, PATH) });
    expect(found).toMatchObject({ token: GH_TOKEN, tokenSource: "gh" });
    expect(found.tokenReason).toBeUndefined();
    expect(ghCalls(calls)).toEqual(["auth token"]);
  });

  it("has no token, and says why, when gh is missing or not logged in", async () => {
    const repo = await repoWithOrigin("git@github.com:acme/widgets.git");
    const missing = await discoverGitHub({ repoRoot: repo.dir, env: envFor(repo, makePath().PATH) });
    expect(missing.token).toBeUndefined();
    expect(missing.tokenReason).toBe(
      "no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset and gh is not installed",
    );

    const { PATH } = makePath({
      stderr: "You are not logged into any GitHub hosts. To log in, run: gh auth login",
      exitCode: 1,
    });
    const loggedOut = await discoverGitHub({ repoRoot: repo.dir, env: envFor(repo, PATH) });
    expect(loggedOut.token).toBeUndefined();
    expect(loggedOut.tokenReason).toContain(
      "`gh auth token` failed (You are not logged into any GitHub hosts.",
    );
  });

  it("reports no token through isAvailable and GADUGI_GITHUB_AUTH only when an operation runs", async () => {
    const repo = await repoWithOrigin("git@github.com:acme/widgets.git");
    const gh = await createGitHubOperations({ repoRoot: repo.dir, env: envFor(repo, makePath().PATH) });
    expect(gh.fullName).toBe("acme/widgets");
    expect(await gh.isAvailable()).toEqual({
      ok: false,
      reason: "no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset and gh is not installed",
    });
    const error = await gh.createIssue({ title: "x" }).catch((e: unknown) => e);
    expect(GadugiError.is(error, "GADUGI_GITHUB_AUTH")).toBe(true);
    expect((error as Error).message).toContain("createIssue needs a token");
  });
});

describe("repository discovery", () => {
  const cases = [
    ["https", "https://github.com/acme/widgets.git"],
    ["https without .git", "https://github.com/acme/widgets"],
    ["scp-like ssh", "git@github.com:acme/widgets.git"],
    ["ssh URL", "ssh://git@github.com/acme/widgets.git"],
    ["ssh over 443", "ssh://git@ssh.github.com:443/acme/widgets.git"],
  ] as const;
  for (const [name, url] of cases) {
    it(`reads owner/repo from an ${name} origin`, async () => {
      const repo = await repoWithOrigin(url);
      const found = await discoverGitHub({
        repoRoot: repo.dir,
        env: envFor(repo, makePath().PATH, { GITHUB_TOKEN: ENV_TOKEN }),
      });
      expect(found).toMatchObject({ owner: "acme", repo: "widgets", baseUrl: "https://api.github.com" });
      expect(found.repoReason).toBeUndefined();
    });
  }

  it("prefers github.owner and github.repo from the config", async () => {
    const repo = await repoWithOrigin("https://github.com/acme/widgets.git");
    const found = await discoverGitHub({
      repoRoot: repo.dir,
      config: { github: { owner: "other", repo: "thing" } },
      env: envFor(repo, makePath().PATH, { GITHUB_TOKEN: ENV_TOKEN }),
    });
    expect(found).toMatchObject({ owner: "other", repo: "thing" });
  });

  it("says why there is no GitHub repository", async () => {
    const env = (repo: TempRepo) => envFor(repo, makePath().PATH, { GITHUB_TOKEN: ENV_TOKEN });
    const none = await repoWithOrigin();
    expect((await discoverGitHub({ repoRoot: none.dir, env: env(none) })).repoReason).toBe(
      "no GitHub repository: the repository has no `origin` remote",
    );
    const local = await repoWithOrigin("/srv/git/widgets.git");
    expect((await discoverGitHub({ repoRoot: local.dir, env: env(local) })).repoReason).toBe(
      "no GitHub repository: the origin remote (/srv/git/widgets.git) is not a hosted repository",
    );
    const gitlab = await repoWithOrigin("git@gitlab.com:acme/widgets.git");
    expect((await discoverGitHub({ repoRoot: gitlab.dir, env: env(gitlab) })).repoReason).toBe(
      "no GitHub repository: the origin remote is on gitlab.com, not GitHub",
    );
    const notRepo = temp.dir();
    const found = await discoverGitHub({ repoRoot: notRepo, env: env(none) });
    expect(found.repoReason).toBe(`no GitHub repository: ${notRepo} is not a git repository`);
    const gh = await createGitHubOperations({ repoRoot: gitlab.dir, env: env(gitlab) });
    expect(await gh.isAvailable()).toEqual({
      ok: false,
      reason: "no GitHub repository: the origin remote is on gitlab.com, not GitHub",
    });
  });

  it("keeps credentials in the origin URL out of reasons", async () => {
    const secret = "ghp_inurlinurlinurlinurlinurlinurlinurl";
    const repo = await repoWithOrigin(`https://x-access-token:${secret}@example.com`);
    const found = await discoverGitHub({ repoRoot: repo.dir, env: envFor(repo, makePath().PATH) });
    expect(found.repoReason).toBeDefined();
    expect(JSON.stringify(found)).not.toContain(secret);
  });
});

describe("base URL", () => {
  it("derives https://<host>/api/v3 for a GitHub Enterprise origin and asks gh for that host", async () => {
    const repo = await repoWithOrigin("git@ghe.example.com:platform/widgets.git");
    const { PATH, calls } = makePath({ stdout: GH_TOKEN });
    const found = await discoverGitHub({ repoRoot: repo.dir, env: envFor(repo, PATH) });
    expect(found).toMatchObject({
      host: "ghe.example.com",
      owner: "platform",
      repo: "widgets",
      baseUrl: "https://ghe.example.com/api/v3",
      baseUrlSource: "remote",
      tokenSource: "gh",
    });
    expect(ghCalls(calls)).toEqual(["auth token --hostname ghe.example.com"]);
    expect(enterpriseApiUrl("acme.ghe.com")).toBe("https://api.acme.ghe.com");
  });

  it("reads GH_ENTERPRISE_TOKEN for an Enterprise host only", async () => {
    const ghe = await repoWithOrigin("https://ghe.example.com/platform/widgets.git");
    const env = (repo: TempRepo) => envFor(repo, makePath().PATH, { GH_ENTERPRISE_TOKEN: ENV_TOKEN });
    expect(await discoverGitHub({ repoRoot: ghe.dir, env: env(ghe) })).toMatchObject({
      tokenSource: "GH_ENTERPRISE_TOKEN",
    });
    const dotcom = await repoWithOrigin("https://github.com/acme/widgets.git");
    expect((await discoverGitHub({ repoRoot: dotcom.dir, env: env(dotcom) })).token).toBeUndefined();
  });

  it("takes github.apiUrl from the config over GITHUB_API_URL over the remote", async () => {
    const repo = await repoWithOrigin("git@ghe.example.com:platform/widgets.git");
    const env = envFor(repo, makePath().PATH, {
      GITHUB_TOKEN: ENV_TOKEN,
      GITHUB_API_URL: "https://ghe.example.com/custom/api/",
    });
    expect(await discoverGitHub({ repoRoot: repo.dir, env })).toMatchObject({
      baseUrl: "https://ghe.example.com/custom/api",
      baseUrlSource: "GITHUB_API_URL",
    });
    const fromConfig = await discoverGitHub({
      repoRoot: repo.dir,
      env,
      config: { github: { apiUrl: "https://api.example.test/" } },
    });
    expect(fromConfig).toMatchObject({ baseUrl: "https://api.example.test", baseUrlSource: "config" });
  });
});

describe("createGitHubOperations", () => {
  it("works end to end from a real repository against the local GitHub server", async () => {
    const server = await startGitHubServer({ token: ENV_TOKEN, repos: ["acme/widgets"] });
    try {
      const repo = await repoWithOrigin("git@github.com:acme/widgets.git");
      const gh = await createGitHubOperations({
        repoRoot: repo.dir,
        config: { github: { apiUrl: server.url, labels: ["gadugi", "bot"] } },
        env: envFor(repo, makePath().PATH, { GITHUB_TOKEN: ENV_TOKEN }),
        throttle: FAST_THROTTLE,
      });
      expect(gh.baseUrl).toBe(server.url);
      expect(await gh.isAvailable()).toEqual({ ok: true });
      const { issue } = await gh.ensureIssue({ title: "Task", branch: "gadugi/task" });
      expect(issue.labels).toEqual(["gadugi", "bot"]);
      expect(server.state.requests.every((r) => r.token === ENV_TOKEN)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
