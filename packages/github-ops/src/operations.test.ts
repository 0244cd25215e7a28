import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { caught, TOKEN, useLocalGitHub } from "./test-helpers/index.js";

const local = useLocalGitHub();

describe("GitHub's errors", () => {
  it("surfaces GitHub's validation errors clearly (422)", async () => {
    const gh = local.ops();
    await gh.createPr({ title: "a", head: "gadugi/a", base: "main" });
    const error = await caught(gh.createPr({ title: "a", head: "gadugi/a", base: "main" }));
    expect(error.code).toBe("GADUGI_GITHUB_API");
    expect(error.message).toBe(
      "GitHub createPr failed with HTTP 422: Validation Failed: A pull request already exists for acme:gadugi/a.",
    );
    const missing = await caught(gh.createIssue({ title: "" }));
    expect(missing.message).toBe(
      "GitHub createIssue failed with HTTP 422: Validation Failed: Issue.title is missing",
    );
    expect(missing.hint).toMatch(/refused the request's content/);
  });

  it("reports a rejected token as GADUGI_GITHUB_AUTH (401)", async () => {
    const error = await caught(
      local.ops({ token: "ghp_wrongwrongwrongwrongwrongwrongwrong" }).createIssue({ title: "x" }),
    );
    expect(error.code).toBe("GADUGI_GITHUB_AUTH");
    expect(error.message).toBe(
      "Cannot authenticate to GitHub: GitHub rejected the token during createIssue (HTTP 401: Bad credentials).",
    );
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/issues")).toHaveLength(1);
  });

  it("reports an unreachable server with status 0", async () => {
    const url = local.server.url;
    await local.server.close();
    const error = await caught(local.ops({ baseUrl: url, retries: 0 }).createIssue({ title: "x" }));
    expect(error.args).toMatchObject({ operation: "createIssue", status: 0 });
    expect(error.message).toContain(`no response from ${url}`);
  });
});

describe("a missing token or repository", () => {
  it("needs a token only when an operation runs", async () => {
    const gh = local.ops({ token: undefined });
    expect(await gh.isAvailable()).toEqual({
      ok: false,
      reason: "no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`",
    });
    const error = await caught(gh.createIssue({ title: "x" }));
    expect(error.code).toBe("GADUGI_GITHUB_AUTH");
    expect(error.exitCode).toBe(7);
    expect(local.server.state.requests).toHaveLength(0);
  });

  it("names a missing repository", async () => {
    const gh = local.ops({
      owner: undefined,
      repo: undefined,
      unavailable: { repo: "no GitHub repository: no origin" },
    });
    expect(await gh.isAvailable()).toEqual({ ok: false, reason: "no GitHub repository: no origin" });
    const error = await caught(gh.addComment(1, "x"));
    expect(error.code).toBe("GADUGI_GITHUB_UNAVAILABLE");
    expect(error.exitCode).toBe(7);
    expect(error.message).toContain("no GitHub repository: no origin");
  });
});

describe("secrets", () => {
  it("keeps secrets out of thrown errors and out of what it sends", async () => {
    const envSecret = "sk-ant-api03-secretsecretsecretsecret";
    const gh = local.ops({ env: { ANTHROPIC_API_KEY: envSecret } });
    local.server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 422,
      body: { message: `Validation Failed for token ${TOKEN} and ${envSecret}`, errors: [] },
    });
    const error = await caught(gh.createIssue({ title: "x" }));
    const everything = `${error.message}\n${error.hint}\n${JSON.stringify(error)}\n${inspect(error, { depth: 20 })}`;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(envSecret);
    expect(error.message).toContain("[REDACTED]");

    await gh.createIssue({ title: `leaked ${TOKEN}`, body: `key=${envSecret}` });
    await gh.addComment(1, `Authorization: Bearer ${TOKEN}`);
    const sent = JSON.stringify(local.server.state);
    expect(sent.replaceAll(`"token":"${TOKEN}"`, "")).not.toContain(TOKEN);
    expect(sent).not.toContain(envSecret);
  });

  it("keeps the token out of auth errors too", async () => {
    const wrong = "ghp_wrongwrongwrongwrongwrongwrongwrong";
    const error = await caught(local.ops({ token: wrong }).createIssue({ title: "x" }));
    expect(inspect(error, { depth: 20 })).not.toContain(wrong);
  });
});

describe("isAvailable", () => {
  it("checks the repository once with the token", async () => {
    const gh = local.ops();
    expect(await gh.isAvailable()).toEqual({ ok: true });
    expect(await gh.isAvailable()).toEqual({ ok: true });
    expect(local.server.requestsTo("GET", "/repos/acme/widgets")).toHaveLength(1);
  });

  it("says why GitHub cannot be used: a rejected token or an unknown repository", async () => {
    expect(await local.ops({ token: "ghp_wrongwrongwrongwrongwrongwrongwrong" }).isAvailable()).toEqual({
      ok: false,
      reason:
        "Cannot authenticate to GitHub: GitHub rejected the token during check repository (HTTP 401: Bad credentials).",
    });
    await local.restart({ repos: ["acme/other"] });
    const result = await local.ops().isAvailable();
    expect(result).toEqual({ ok: false, reason: "GitHub check repository failed with HTTP 404: Not Found" });
    expect(await local.ops().isAvailable({ probe: false })).toEqual({ ok: true });
  });
});
