import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer, Socket } from "node:net";
import { createTempDir } from "./temp-dir.js";

/** A redis-server of a test's own, on a free loopback port, with its files in a temp directory. */
export interface TestRedis {
  port: number;
  /** `redis://[:password@]127.0.0.1:<port>` */
  url: string;
  /** Kills the server (SIGKILL) without removing its directory: to test Redis going away. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill`). */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Whether a `redis-server` binary is on PATH (the test setup installs Debian's when it can). */
export function redisServerAvailable(): boolean {
  const found = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  return found.error === undefined && found.status === 0;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port from the OS");
  return address.port;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    // +PONG, or -NOAUTH when a password is set: either way the server is up.
    socket.once("data", (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

/**
 * Starts `redis-server` on a free loopback port (files in a temp dir, no persistence unless
 * `persist`) and waits
 * until it answers. Throws, naming the package to install, when the binary is missing.
 */
export async function startRedis(options: { password?: string; persist?: boolean } = {}): Promise<TestRedis> {
  if (!redisServerAvailable()) {
    throw new Error("redis-server is not installed: `apt-get install redis-server` (Debian/Ubuntu)");
  }
  const dir = createTempDir("gadugi-redis-");
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir.path, "--save", ""];
    // `persist`: an append-only file synced on every write, so data outlives `kill` + `restart`.
    args.push(
      ...(options.persist ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    );
    if (options.password) args.push("--requirepass", options.password);
    const started = spawn("redis-server", args, { stdio: "ignore" });
    child = started;
    // A test process that ends without stop() (a timed-out hook, a crash) takes its Redis along.
    const reap = () => started.kill("SIGKILL");
    process.once("exit", reap);
    started.once("exit", () => process.off("exit", reap));
    const end = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
      if (Date.now() > end) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = async () => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://${options.password ? `:${encodeURIComponent(options.password)}@` : ""}127.0.0.1:${port}`,
    kill,
    restart: launch,
    stop: async () => {
      await kill();
      dir.cleanup();
    },
  };
}
