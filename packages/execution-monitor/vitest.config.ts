import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "execution-monitor", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
