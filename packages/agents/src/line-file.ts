import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { GadugiError } from "@gadugi/error-handling";

/**
 * Appends lines to a file with synchronous writes, so a line is on disk before anything reads it.
 * Opening fails loudly; a write failing later (disk full) is reported once through `onError` and
 * the run goes on without the file.
 */
export class LineFile {
  private fd: number | undefined;
  onError: ((error: Error) => void) | undefined;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, "a");
    } catch (error) {
      throw new GadugiError(
        "GADUGI_FILE_UNWRITABLE",
        { path, reason: (error as Error).message },
        { cause: error },
      );
    }
  }

  write(line: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${line}\n`);
    } catch (error) {
      this.close();
      this.onError?.(error as Error);
    }
  }

  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // Already unusable; nothing more to lose.
    }
  }
}

/** Splits a byte stream into lines (without "\n" or a trailing "\r"). */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest) this.onLine(rest.endsWith("\r") ? rest.slice(0, -1) : rest);
  }
}
