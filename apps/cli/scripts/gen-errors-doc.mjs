#!/usr/bin/env node
// Regenerates docs/ERRORS.md from the error catalogue (run after `pnpm build`: `node apps/cli/scripts/gen-errors-doc.mjs`).
// apps/cli/test/docs.test.ts fails when the committed file is out of date.
import { writeFileSync } from "node:fs";
import { renderErrorCatalogueMarkdown } from "@gadugi/error-handling";

writeFileSync(new URL("../../../docs/ERRORS.md", import.meta.url), renderErrorCatalogueMarkdown());
console.log("wrote docs/ERRORS.md");
