import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "error-handling", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
