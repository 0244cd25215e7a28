import { GadugiError } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import { maskQueueUrl, maskSecretIn, parseQueueUrl, redisOptions } from "./index.js";

describe("parseQueueUrl", () => {
  it("reads host, port, database, password and TLS", () => {
    expect(parseQueueUrl("redis://:s3cret@queue.example:6380/2")).toEqual({
      host: "queue.example",
      port: 6380,
      db: 2,
      password: "s3cret",
      tls: false,
      masked: "redis://:***@queue.example:6380/2",
    });
    expect(parseQueueUrl("rediss://user:p%40ss@h")).toMatchObject({
      host: "h",
      port: 6379,
      db: 0,
      username: "user",
      password: "p@ss",
      tls: true,
      masked: "rediss://user:***@h",
    });
    expect(parseQueueUrl("redis://127.0.0.1:7000")).toMatchObject({
      host: "127.0.0.1",
      port: 7000,
      tls: false,
    });
  });

  it("turns TLS on for rediss:// in the client options", () => {
    expect(redisOptions(parseQueueUrl("rediss://h:1"))).toMatchObject({ tls: { servername: "h" } });
    expect(redisOptions(parseQueueUrl("redis://h:1"))).not.toHaveProperty("tls");
  });

  it.each([
    ["http://:pw@host:1", "scheme is http://"],
    ["redis://:pw@host:1/abc", 'database "abc"'],
    ["not a url :pw@", "not a URL"],
    ["redis://:pw@host:1/?x=1", "query"],
  ])("refuses %s with the password masked", (url, reason) => {
    try {
      parseQueueUrl(url);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GadugiError);
      const e = error as GadugiError;
      expect(e.code).toBe("GADUGI_QUEUE_URL_INVALID");
      expect(e.message).toContain(reason);
      expect(e.message).not.toContain("pw");
    }
  });
});

describe("masking", () => {
  it("hides passwords and lone tokens, keeps the rest", () => {
    expect(maskQueueUrl("redis://:pw@h:1/0")).toBe("redis://:***@h:1/0");
    expect(maskQueueUrl("redis://u:pw@h")).toBe("redis://u:***@h");
    expect(maskQueueUrl("redis://token@h")).toBe("redis://***@h");
    expect(maskQueueUrl("redis://h:1")).toBe("redis://h:1");
  });

  it("removes the password from a client's message", () => {
    expect(maskSecretIn("WRONGPASS for hunter2", parseQueueUrl("redis://:hunter2@h"))).toBe(
      "WRONGPASS for ***",
    );
  });
});
