import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "github-ops", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
