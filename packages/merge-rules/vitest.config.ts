import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "merge-rules", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
