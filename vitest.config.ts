import { defineConfig } from 'vitest/config';

// The test tiers, one Vitest project each: `npm run test:<tier>` runs one, `npm test` runs them all.
// `npx vitest run <file>` runs one file in whichever tier holds it.
const REQUIRE_BUILD = './test/helpers/require-build.ts';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        // Pure logic: no network, no services, no child processes, no build.
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        // Real listening servers on 127.0.0.1, with real Redis, radosgw and clamd where a test uses them.
        extends: true,
        test: {
          name: 'http',
          include: ['test/{api,frontend,antivirus,directory,common,server}/**/*.test.ts'],
          globalSetup: [REQUIRE_BUILD],
        },
      },
      {
        // Debian's Chromium driving the frontend: pages, scripts, accessibility.
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: [REQUIRE_BUILD] },
      },
      {
        // The whole system as people start it: `make run`, the CLI, end to end.
        extends: true,
        test: { name: 'system', include: ['test/system/**/*.test.ts'], globalSetup: [REQUIRE_BUILD] },
      },
      {
        // Replicas behind HAProxy with faults injected under load (about 3 minutes).
        extends: true,
        test: { name: 'scale', include: ['test/scale/**/*.test.ts'], globalSetup: [REQUIRE_BUILD] },
      },
    ],
  },
});
