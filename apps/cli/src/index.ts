// Public API of @gadugi/cli, for embedding the CLI or testing it in-process.
export { formatError } from "./handle-error.js";
export { type CliIo, createProgram, main, type ProgramName } from "./main.js";
