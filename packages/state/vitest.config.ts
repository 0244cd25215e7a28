import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "state", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
