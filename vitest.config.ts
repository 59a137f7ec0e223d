import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/leak-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration files spawn processes and threads of their own.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
