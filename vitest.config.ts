import { defineConfig } from "vitest/config";

// One run over every package (`pnpm check`); each package also runs alone with `pnpm test` inside it.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
