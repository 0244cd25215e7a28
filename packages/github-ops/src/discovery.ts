import { createRedactor, GadugiError } from "@gadugi/error-handling";
import { createProcessRunner, GitClient, type ProcessRunner, parseGitRemoteUrl } from "@gadugi/git";
import { DEFAULT_API_URL, type GitHubLogger, type ThrottleSettings } from "./client.js";
import { GitHubOperations } from "./operations.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The `github` section of gadugi.config.json (GadugiConfig fits). */
export interface GitHubConfigSection {
  github?: {
    apiUrl?: string | undefined;
    owner?: string | undefined;
    repo?: string | undefined;
    labels?: string[];
  };
}

export interface DiscoverGitHubOptions {
  /** The repository whose `origin` remote names the GitHub repository. */
  repoRoot: string;
  config?: GitHubConfigSection;
  /** Where GITHUB_TOKEN, GH_TOKEN and GITHUB_API_URL are read, and gh's environment. Default process.env. */
  env?: Env;
  /** Runs git and `gh auth token`. Default: @gadugi/git's execa runner. */
  runner?: ProcessRunner;
  /** Limit for `gh auth token`. Default 10 s. */
  ghTimeoutMs?: number;
}

export type TokenSource =
  | "GITHUB_TOKEN"
  | "GH_TOKEN"
  | "GH_ENTERPRISE_TOKEN"
  | "GITHUB_ENTERPRISE_TOKEN"
  | "gh";

export interface GitHubDiscovery {
  owner?: string;
  repo?: string;
  /** Host of the origin remote (github.com or an Enterprise host). */
  host?: string;
  baseUrl: string;
  baseUrlSource: "config" | "GITHUB_API_URL" | "remote" | "default";
  token?: string;
  tokenSource?: TokenSource;
  /** Why there is no token / no repository; set exactly when it is missing. */
  tokenReason?: string;
  repoReason?: string;
}

const GITHUB_HOSTS = new Set(["github.com", "www.github.com", "ssh.github.com"]);
const OTHER_FORGES = new Set([
  "gitlab.com",
  "bitbucket.org",
  "dev.azure.com",
  "ssh.dev.azure.com",
  "vs-ssh.visualstudio.com",
  "codeberg.org",
  "git.sr.ht",
]);

/** REST base URL for an Enterprise host: `<host>.ghe.com` → `https://api.<host>.ghe.com`, else `/api/v3`. */
export function enterpriseApiUrl(host: string): string {
  return /\.ghe\.com$/i.test(host) ? `https://api.${host}` : `https://${host}/api/v3`;
}

function hostOfApiUrl(baseUrl: string): string | undefined {
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    if (host === "api.github.com") return "github.com";
    return host.startsWith("api.") && host.endsWith(".ghe.com") ? host.slice(4) : host;
  } catch {
    return undefined;
  }
}

async function readGhToken(
  runner: ProcessRunner,
  cwd: string,
  env: Env,
  host: string | undefined,
  timeoutMs: number,
  redact: (text: string) => string,
): Promise<{ token?: string; reason?: string }> {
  const args = ["auth", "token"];
  if (host && !GITHUB_HOSTS.has(host)) args.push("--hostname", host);
  try {
    const result = await runner.run("gh", args, {
      cwd,
      // gh reads these itself; absent from `env` means absent for gh too.
      env: { ...env, GITHUB_TOKEN: env.GITHUB_TOKEN, GH_TOKEN: env.GH_TOKEN, GH_PROMPT_DISABLED: "1" },
      reject: false,
      timeoutMs,
      operation: "gh auth token",
    });
    const token = result.stdout.trim().split(/\r?\n/)[0]?.trim();
    if (result.exitCode === 0 && token) return { token };
    const why = result.timedOut
      ? "timed out"
      : (result.stderr.trim().split(/\r?\n/)[0] ?? "") || `exited with ${result.exitCode}`;
    return { reason: `\`gh auth token\` failed (${redact(why)})` };
  } catch (error) {
    if (GadugiError.is(error, "GADUGI_COMMAND_NOT_FOUND")) return { reason: "gh is not installed" };
    return {
      reason: `\`gh auth token\` could not run (${redact(error instanceof Error ? error.message : String(error))})`,
    };
  }
}

interface RepositoryFinding {
  owner?: string;
  repo?: string;
  /** Host of the origin remote, when it names a GitHub repository. */
  host?: string;
  repoReason?: string;
  /** The origin remote is on another forge (GitLab, Bitbucket...). */
  foreign: boolean;
}

/** owner/repo from the config, else from the `origin` remote; why not, when neither names one. */
async function findRepository(
  options: DiscoverGitHubOptions,
  env: Env,
  runner: ProcessRunner,
  redact: (text: string) => string,
): Promise<RepositoryFinding> {
  const section = options.config?.github ?? {};
  const found: RepositoryFinding = { foreign: false };
  if (section.owner) found.owner = section.owner;
  if (section.repo) found.repo = section.repo;
  if (found.owner && found.repo) return found;
  let url: string | undefined;
  try {
    url = await new GitClient(options.repoRoot, { runner, env: { ...env } }).remoteUrl("origin");
  } catch (error) {
    found.repoReason = GadugiError.is(error, "GADUGI_NOT_A_GIT_REPO")
      ? `no GitHub repository: ${options.repoRoot} is not a git repository`
      : `no GitHub repository: reading the origin remote failed (${redact(error instanceof Error ? error.message : String(error))})`;
  }
  if (url === undefined) {
    found.repoReason ??= "no GitHub repository: the repository has no `origin` remote";
    return found;
  }
  const remote = parseGitRemoteUrl(url);
  if (!remote) {
    found.repoReason = `no GitHub repository: the origin remote (${redact(url)}) is not a hosted repository`;
  } else if (OTHER_FORGES.has(remote.host)) {
    found.foreign = true;
    found.repoReason = `no GitHub repository: the origin remote is on ${remote.host}, not GitHub`;
  } else {
    found.host = remote.host;
    found.owner ??= remote.owner;
    found.repo ??= remote.repo;
  }
  return found;
}

/** Config `github.apiUrl`, else GITHUB_API_URL, else the Enterprise host's API, else api.github.com. */
function chooseBaseUrl(
  apiUrl: string | undefined,
  env: Env,
  host: string | undefined,
): Pick<GitHubDiscovery, "baseUrl" | "baseUrlSource"> {
  const pick = (): Pick<GitHubDiscovery, "baseUrl" | "baseUrlSource"> => {
    if (apiUrl) return { baseUrl: apiUrl, baseUrlSource: "config" };
    if (env.GITHUB_API_URL) return { baseUrl: env.GITHUB_API_URL, baseUrlSource: "GITHUB_API_URL" };
    if (host && !GITHUB_HOSTS.has(host)) return { baseUrl: enterpriseApiUrl(host), baseUrlSource: "remote" };
    return { baseUrl: DEFAULT_API_URL, baseUrlSource: "default" };
  };
  const chosen = pick();
  return { ...chosen, baseUrl: chosen.baseUrl.replace(/\/+$/, "") };
}

/** The first token variable set (the Enterprise ones too for an Enterprise host), else `gh auth token`. */
async function findToken(
  options: DiscoverGitHubOptions,
  env: Env,
  runner: ProcessRunner,
  ghHost: string | undefined,
  redact: (text: string) => string,
): Promise<Pick<GitHubDiscovery, "token" | "tokenSource" | "tokenReason">> {
  const sources: TokenSource[] = ["GITHUB_TOKEN", "GH_TOKEN"];
  if (ghHost !== undefined && !GITHUB_HOSTS.has(ghHost))
    sources.push("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN");
  for (const name of sources) {
    const value = env[name]?.trim();
    if (value) return { token: value, tokenSource: name };
  }
  const gh = await readGhToken(runner, options.repoRoot, env, ghHost, options.ghTimeoutMs ?? 10_000, redact);
  if (gh.token) return { token: gh.token, tokenSource: "gh" };
  return {
    tokenReason: `no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset and ${gh.reason ?? "gh gave none"}`,
  };
}

/**
 * Finds what GitHub operations need, without calling GitHub: owner/repo from the config or the
 * `origin` remote (https and ssh forms), the REST base URL (config `github.apiUrl`, GITHUB_API_URL,
 * `https://<host>/api/v3` for an Enterprise origin, else https://api.github.com), and a token
 * (GITHUB_TOKEN, GH_TOKEN, GH_ENTERPRISE_TOKEN/GITHUB_ENTERPRISE_TOKEN for an Enterprise host,
 * then `gh auth token`). What is missing comes with a reason.
 */
export async function discoverGitHub(options: DiscoverGitHubOptions): Promise<GitHubDiscovery> {
  const env = options.env ?? process.env;
  const runner = options.runner ?? createProcessRunner();
  const redact = createRedactor({ env });
  const found = await findRepository(options, env, runner, redact);
  const { baseUrl, baseUrlSource } = chooseBaseUrl(options.config?.github?.apiUrl, env, found.host);
  let repoReason = found.repoReason;
  if (found.foreign && baseUrlSource !== "default") {
    // An explicit API URL says this is GitHub after all; the remote just could not name the repo.
    repoReason = "no GitHub repository: the origin remote is not on GitHub; set github.owner and github.repo";
  }
  if (found.owner && found.repo) repoReason = undefined;
  const token = await findToken(options, env, runner, found.host ?? hostOfApiUrl(baseUrl), redact);

  const discovery: GitHubDiscovery = { baseUrl, baseUrlSource, ...token };
  if (found.owner) discovery.owner = found.owner;
  if (found.repo) discovery.repo = found.repo;
  if (found.host) discovery.host = found.host;
  if (repoReason) discovery.repoReason = repoReason;
  return discovery;
}

export interface CreateGitHubOperationsOptions extends DiscoverGitHubOptions {
  retries?: number;
  throttle?: ThrottleSettings;
  logger?: GitHubLogger;
}

/**
 * A GitHubOperations for the repository at `repoRoot`, with owner/repo, base URL and token found
 * by {@link discoverGitHub}. It is returned even when something is missing; `isAvailable()` then
 * says what, and operations throw GADUGI_GITHUB_AUTH (no token) or GADUGI_GITHUB_API.
 */
export async function createGitHubOperations(
  options: CreateGitHubOperationsOptions,
): Promise<GitHubOperations> {
  const found = await discoverGitHub(options);
  const unavailable: { token?: string; repo?: string } = {};
  if (found.tokenReason) unavailable.token = found.tokenReason;
  if (found.repoReason) unavailable.repo = found.repoReason;
  return new GitHubOperations({
    baseUrl: found.baseUrl,
    env: options.env ?? process.env,
    unavailable,
    ...(found.owner ? { owner: found.owner } : {}),
    ...(found.repo ? { repo: found.repo } : {}),
    ...(found.token ? { token: found.token } : {}),
    ...(options.config?.github?.labels ? { labels: options.config.github.labels } : {}),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
