#!/usr/bin/env node
// The CLI ships bundled (tsup.config.ts): source maps turned on before the bundle loads make stack
// traces name the TypeScript sources; main is imported after, so its chunks are mapped too.
process.setSourceMapsEnabled(true);
const { main } = await import("../main.js");

process.exit(await main(process.argv.slice(2), "orchestrator-agent"));
