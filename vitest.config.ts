import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // 2-core CI machines: keep parallel files low so timing-sensitive integration tests stay stable.
    maxWorkers: 2,
  },
});
