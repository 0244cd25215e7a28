import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "task-tracking", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
