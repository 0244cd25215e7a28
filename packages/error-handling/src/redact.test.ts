import { describe, expect, it } from "vitest";
import { createRedactor, isSecretEnvName, REDACTED, redactSecrets, redactValue } from "./index.js";

const env = {}; // no environment secrets unless a test gives some

describe("redactSecrets", () => {
  it.each([
    ["ghp_0123456789abcdefghijABCDEFGHIJ012345", "ghp_[REDACTED]"],
    ["gho_16C7e42F292c6912E7710c838347Ae178B4a", "gho_[REDACTED]"],
    ["ghs_abcdefghijklmnopqrstuvwxyz012345", "ghs_[REDACTED]"],
    ["github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_[REDACTED]"],
    ["sk-proj-Abc123def456ghi789", "sk-[REDACTED]"],
    ["sk-ant-api03-abcdefghijkl", "sk-[REDACTED]"],
    ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Authorization: Bearer [REDACTED]"],
    ["authorization: token abcdef123456", "authorization: token [REDACTED]"],
    [
      "https://x-access-token:s3cr3tvalue@github.com/o/r.git",
      "https://x-access-token:[REDACTED]@github.com/o/r.git",
    ],
    ["GITHUB_TOKEN=abc123 gh pr create", "GITHUB_TOKEN=[REDACTED] gh pr create"],
    ["OPENAI_API_KEY=zzz node agent.js", "OPENAI_API_KEY=[REDACTED] node agent.js"],
    ["gh api --token abc123 /user", "gh api --token [REDACTED] /user"],
    ["tool --api-key=abc123", "tool --api-key=[REDACTED]"],
  ])("redacts %s", (input, expected) => {
    expect(redactSecrets(input, { env })).toBe(expected);
  });

  it("leaves ordinary text alone", () => {
    const text =
      "task-7 risk-based desk-check on sk-learn-pipeline-refactor: git push origin gadugi/feature --with-token --force; tokens used: 1200";
    expect(redactSecrets(text, { env })).toBe(text);
  });

  it("redacts the values of secret environment variables wherever they appear", () => {
    const secrets = {
      GITHUB_TOKEN: "plain-token-value-1",
      GH_TOKEN: "another-token-value",
      ANTHROPIC_API_KEY: "not-prefixed-key-42",
      HOME: "/home/someone/dir",
      DEBUG_TOKEN: "1",
    };
    const text =
      "cloning with plain-token-value-1 and another-token-value, key=not-prefixed-key-42 in /home/someone/dir, 1";
    expect(redactSecrets(text, { env: secrets })).toBe(
      `cloning with ${REDACTED} and ${REDACTED}, key=${REDACTED} in /home/someone/dir, 1`,
    );
  });

  it("reads process.env by default", () => {
    const previous = process.env.MY_SERVICE_API_KEY;
    process.env.MY_SERVICE_API_KEY = "value-from-process-env";
    try {
      expect(redactSecrets("key value-from-process-env")).toBe(`key ${REDACTED}`);
    } finally {
      if (previous === undefined) delete process.env.MY_SERVICE_API_KEY;
      else process.env.MY_SERVICE_API_KEY = previous;
    }
  });

  it("redacts extra literal secrets and replaces the longest first", () => {
    expect(
      redactSecrets("abcdefgh and abcdefgh-longer", { env, secrets: ["abcdefgh", "abcdefgh-longer"] }),
    ).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it("createRedactor reads the environment once and reuses it", () => {
    const redact = createRedactor({ env: { GH_TOKEN: "tok-tok-tok-tok" } });
    expect(redact("a tok-tok-tok-tok b")).toBe(`a ${REDACTED} b`);
    expect(redact("ghp_0123456789abcdefghij")).toBe("ghp_[REDACTED]");
  });
});

describe("isSecretEnvName", () => {
  it.each([
    ["GITHUB_TOKEN", true],
    ["GH_TOKEN", true],
    ["OPENAI_API_KEY", true],
    ["NPM_TOKEN", true],
    ["DB_PASSWORD", true],
    ["PATH", false],
    ["TOKENIZER", false],
    ["HOME", false],
  ])("%s → %s", (name, expected) => {
    expect(isSecretEnvName(name)).toBe(expected);
  });
});

describe("redactValue", () => {
  it("redacts nested strings and values under secret-looking keys", () => {
    const value = {
      url: "https://api.github.com/user",
      headers: { authorization: "whatever-it-is", "x-token": "plain" },
      apiKey: "plain-key",
      nested: [{ log: "push with ghp_0123456789abcdefghij" }],
      inputTokens: 12,
      when: new Date("2025-01-02T03:04:05.000Z"),
      error: new TypeError("bad Bearer abc.def"),
      count: 3n,
      skip: () => 1,
    };
    expect(redactValue(value, (t) => redactSecrets(t, { env }))).toEqual({
      url: "https://api.github.com/user",
      headers: { authorization: REDACTED, "x-token": REDACTED },
      apiKey: REDACTED,
      nested: [{ log: "push with ghp_[REDACTED]" }],
      inputTokens: 12,
      when: "2025-01-02T03:04:05.000Z",
      error: "TypeError: bad Bearer [REDACTED]",
      count: "3",
    });
  });

  it("cuts cycles but copies shared objects", () => {
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = { left: shared, right: shared };
    cyclic.self = cyclic;
    expect(redactValue(cyclic)).toEqual({ left: { a: 1 }, right: { a: 1 }, self: "[Circular]" });
  });
});
