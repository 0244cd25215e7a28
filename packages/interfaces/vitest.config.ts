import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "interfaces", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
