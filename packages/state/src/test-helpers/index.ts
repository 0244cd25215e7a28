import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const created: string[] = [];

/** A fresh temporary directory, removed by {@link cleanupTempDirs}. */
export async function tempDir(prefix = "gadugi-state-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
}

export function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "test@example.com",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "test@example.com",
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: cwd,
    },
  });
}

/** A real git repository with one commit. */
export async function gitRepo(): Promise<string> {
  const dir = await tempDir("gadugi-state-repo-");
  git(dir, ["init", "-q", "-b", "main"]);
  await writeFile(join(dir, "README.md"), "hello\n");
  git(dir, ["add", "README.md"]);
  git(dir, ["commit", "-q", "-m", "init"]);
  return dir;
}

/** Files under `dir`, relative, recursively (for "no temp files left" assertions). */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** A clock that starts at `iso` and moves one second forward on every call. */
export function steppingClock(iso: string): () => Date {
  let t = Date.parse(iso);
  return () => {
    t += 1000;
    return new Date(t);
  };
}

/** The pid of a process that has exited (so `kill(pid, 0)` fails with ESRCH). */
export function deadPid(): number {
  const child = execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child);
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Transpiles this package's sources to plain ESM in a temp dir, so a child `node` process can run
 * the real implementation without a build. Workspace imports point at the built dependencies.
 */
export async function compileForChild(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const out = await mkdtemp(join(tmpdir(), "gadugi-state-child-"));
  const src = dirname(here);
  const require = createRequire(import.meta.url);
  const deps = ["@gadugi/error-handling", "@gadugi/interfaces"].map(
    (name) => [name, pathToFileURL(require.resolve(name)).href] as const,
  );
  for (const name of await readdir(src)) {
    if (!name.endsWith(".ts") || name.endsWith(".test.ts")) continue;
    let js = ts.transpileModule(await readFile(join(src, name), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
    }).outputText;
    for (const [dep, url] of deps) js = js.replaceAll(`"${dep}"`, JSON.stringify(url));
    await mkdir(out, { recursive: true });
    await writeFile(join(out, name.replace(/\.ts$/, ".js")), js);
  }
  return { dir: out, dispose: () => rm(out, { recursive: true, force: true }) };
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the first stdout line that starts with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Runs an ES module script (given as text) with `node`; its stdout is read line by line. */
export function runNode(script: string, args: string[] = []): Child {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let buffer = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let index = buffer.indexOf("\n");
    while (index !== -1) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (line.startsWith(waiter.prefix)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      index = buffer.indexOf("\n");
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    process: child,
    exited,
    waitFor(prefix, timeoutMs = 10_000) {
      const seen = lines.find((line) => line.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child printed no "${prefix}" line in ${timeoutMs}ms; stderr: ${stderr}`)),
          timeoutMs,
        );
        exited.then(() =>
          setTimeout(() => reject(new Error(`child exited before "${prefix}"; stderr: ${stderr}`)), 50),
        );
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
