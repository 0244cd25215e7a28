// The node:http server: records each request, answers injected failures and authentication
// before routing, and writes the answer with GitHub's headers.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Answer,
  DOCS,
  defaultFailureBody,
  HttpError,
  lowerKeys,
  patternToRegExp,
  rateHeaders,
  readBody,
} from "./http.js";
import { route } from "./router.js";
import { Store } from "./store.js";
import type { FailureSpec, GitHubServer, GitHubServerOptions, RecordedRequest } from "./types.js";

interface PendingFailure {
  method: string;
  pattern: RegExp;
  failure: FailureSpec;
  remaining: number;
}

/** The first pending failure for this request, used up by one. */
function takeFailure(failures: PendingFailure[], method: string, path: string): Answer | undefined {
  const pending = failures.find(
    (f) => (f.method === "*" || f.method === method) && f.pattern.test(path) && f.remaining > 0,
  );
  if (!pending) return undefined;
  pending.remaining--;
  if (pending.remaining === 0) failures.splice(failures.indexOf(pending), 1);
  return {
    status: pending.failure.status,
    body: pending.failure.body ?? defaultFailureBody(pending.failure),
    headers: lowerKeys(pending.failure.headers),
  };
}

/** 401 without a token, or with another one than `options.token`. */
function authFailure(token: string | undefined, options: GitHubServerOptions): Answer | undefined {
  if (token === undefined) {
    return {
      status: 401,
      body: { message: "Requires authentication", documentation_url: DOCS, status: "401" },
    };
  }
  if (options.token !== undefined && token !== options.token) {
    return { status: 401, body: { message: "Bad credentials", documentation_url: DOCS, status: "401" } };
  }
  return undefined;
}

function routed(store: Store, method: string, url: URL, body: unknown): Answer {
  try {
    return route(store, method, url, body);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, body: error.body };
  }
}

function write(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...rateHeaders(), ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  headers["content-type"] = "application/json; charset=utf-8";
  res.writeHead(answer.status, headers).end(JSON.stringify(answer.body));
}

async function handle(
  store: Store,
  failures: PendingFailure[],
  options: GitHubServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const body = await readBody(req);
  const token = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const record: RecordedRequest = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body,
    status: 0,
    injected: false,
  };
  if (token !== undefined) record.token = token;
  store.state.requests.push(record);

  const injected = takeFailure(failures, method, url.pathname);
  record.injected = injected !== undefined;
  const answer = injected ?? authFailure(token, options) ?? routed(store, method, url, body);
  record.status = answer.status;
  write(res, answer);
}

/** Starts the fake GitHub API on 127.0.0.1 with a free port. */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const store = new Store(options);
  const failures: PendingFailure[] = [];
  const server = createServer((req, res) => {
    handle(store, failures, options, req, res).catch((error: unknown) => {
      res
        .writeHead(500, { "content-type": "application/json; charset=utf-8" })
        .end(JSON.stringify({ message: `fake GitHub server bug: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  store.apiBase = `http://127.0.0.1:${port}`;

  return {
    url: store.apiBase,
    state: store.state,
    failNext(method, pathPattern, failure) {
      failures.push({
        method: method.toUpperCase(),
        pattern: patternToRegExp(pathPattern),
        failure,
        remaining: failure.times ?? 1,
      });
    },
    requestsTo(method, pathPattern) {
      const pattern = patternToRegExp(pathPattern);
      const m = method.toUpperCase();
      return store.state.requests.filter((r) => (m === "*" || r.method === m) && pattern.test(r.path));
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
