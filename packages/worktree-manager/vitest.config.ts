import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "worktree-manager", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
