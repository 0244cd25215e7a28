import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "cost", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
