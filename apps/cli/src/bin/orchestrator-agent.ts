#!/usr/bin/env node
// The CLI ships bundled (tsup.config.ts): source maps turned on before the bundle loads make stack
// traces name the TypeScript sources; main is imported after, so its chunks are mapped too.
// They cost ~17 ms of every start (`--help`: 129 → 112 ms measured) and matter only for the stack
// of an unexpected error, so they are on with GADUGI_DEBUG=1, which that error's message names.
if (process.env.GADUGI_DEBUG) process.setSourceMapsEnabled(true);
const { main } = await import("../main.js");

process.exit(await main(process.argv.slice(2), "orchestrator-agent"));
