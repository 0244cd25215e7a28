import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "workflow-manager", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
