import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "git", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
