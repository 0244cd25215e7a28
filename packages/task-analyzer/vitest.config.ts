import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "task-analyzer", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
