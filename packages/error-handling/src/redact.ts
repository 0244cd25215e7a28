/**
 * Secret redaction for anything that leaves the process: logs, error contexts stored in state,
 * command lines of child processes. Two layers: patterns that look like credentials whatever
 * their source, and the literal values of secret-named environment variables.
 */

export const REDACTED = "[REDACTED]";

/** Environment variable names whose values are secrets: GITHUB_TOKEN, GH_TOKEN, *_API_KEY, *_TOKEN... */
const SECRET_ENV_NAME = /(?:^|_)(?:TOKEN|API_KEY|SECRET|SECRET_KEY|ACCESS_KEY|PASSWORD)$/i;

/** Env values shorter than this are not redacted literally (a "1" or "true" would mangle every line). */
const MIN_ENV_SECRET_LENGTH = 8;

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // Credentials inside URLs: https://x-access-token:SECRET@github.com/o/r.git
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  // GitHub tokens: personal (ghp_), OAuth (gho_), user-to-server (ghu_), server (ghs_), refresh (ghr_).
  [/\b(gh[pousr]_)[A-Za-z0-9]{8,}/g, `$1${REDACTED}`],
  // Fine-grained GitHub personal access tokens.
  [/\b(github_pat_)[A-Za-z0-9_]{8,}/g, `$1${REDACTED}`],
  // OpenAI / Anthropic style API keys: sk-..., sk-proj-..., sk-ant-... (long and with a digit, so a
  // slug such as "sk-learn-pipeline" is left alone).
  [/\b(sk-)(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}/g, `$1${REDACTED}`],
  // HTTP authorization headers.
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
  [/\b(Authorization:\s*(?:token|basic)\s+)[^\s'"]+/gi, `$1${REDACTED}`],
  // Assignments on command lines and in env dumps: GITHUB_TOKEN=..., OPENAI_API_KEY=...
  [
    /\b([A-Za-z0-9_]*(?:TOKEN|API_KEY|SECRET|SECRET_KEY|ACCESS_KEY|PASSWORD))=(?!\[REDACTED\])[^\s'"]+/g,
    `$1=${REDACTED}`,
  ],
  // Flags: --token abc, --api-key=abc, --password abc (but not `--with-token --next-flag`).
  [
    /(--(?:[a-z0-9]+-)*(?:token|api-key|secret|password)(?:=|\s+))(?!-|\[REDACTED\])[^\s'"]+/gi,
    `$1${REDACTED}`,
  ],
];

export interface RedactOptions {
  /** Environment whose secret-named variables are redacted by value; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** More literal secrets to redact (a token read from a file, say). */
  secrets?: readonly string[];
}

/** Whether an environment variable name holds a secret (GITHUB_TOKEN, GH_TOKEN, *_API_KEY, *_TOKEN...). */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name);
}

function literalSecrets(options: RedactOptions): string[] {
  const env = options.env ?? process.env;
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_ENV_SECRET_LENGTH && isSecretEnvName(name)) values.add(value);
  }
  for (const value of options.secrets ?? []) if (value.length > 0) values.add(value);
  // Longest first, so a secret containing another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

function applyRedaction(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A redaction function with the secret environment values read once; use it for streams of log
 * lines. Values set in the environment later are not seen; call again to refresh.
 */
export function createRedactor(options: RedactOptions = {}): (text: string) => string {
  const secrets = literalSecrets(options);
  return (text) => applyRedaction(text, secrets);
}

/**
 * Replaces credentials in `text` with `[REDACTED]`: GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_,
 * github_pat_), `sk-` API keys, `Bearer` and `Authorization:` values, passwords in URLs,
 * `NAME_TOKEN=value` assignments, `--token value` flags, and the literal values of GITHUB_TOKEN,
 * GH_TOKEN, *_API_KEY, *_TOKEN, *_SECRET and *_PASSWORD environment variables.
 */
export function redactSecrets(text: string, options: RedactOptions = {}): string {
  return applyRedaction(text, literalSecrets(options));
}

/** Keys whose string values are secrets whatever they look like (`token`, `apiKey`, `password`...). */
const SECRET_KEY = /(?:token|secret|password|api[-_]?key|authorization)$/i;

/**
 * Deep copy of `value` safe to store: strings redacted, values under secret-looking keys replaced,
 * errors turned into their message, cycles and depth cut. Plain JSON-like data comes out.
 */
export function redactValue(
  value: unknown,
  redact: (text: string) => string = (t) => redactSecrets(t),
): unknown {
  // Objects on the current path: a repeated (shared) object is copied again, only a cycle is cut.
  const ancestors = new Set<object>();
  const visit = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return redact(v);
    if (v === null || typeof v !== "object") {
      if (typeof v === "bigint") return v.toString();
      if (typeof v === "function" || typeof v === "symbol") return undefined;
      return v;
    }
    if (v instanceof Error) return redact(`${v.name}: ${v.message}`);
    if (v instanceof Date) return v.toISOString();
    if (ancestors.has(v)) return "[Circular]";
    if (depth >= 8) return "[Truncated]";
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return redact(String(v));
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => visit(item, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        if (typeof item === "string" && SECRET_KEY.test(key)) out[key] = REDACTED;
        else {
          const copied = visit(item, depth + 1);
          if (copied !== undefined) out[key] = copied;
        }
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return visit(value, 0);
}
