// Vitest global set-up for the tiers that run the built code: the frontend reads the asset manifest Rollup
// writes, the server tests start the bundled web entry point and the CLI tests run the compiled CLI. Without a
// build they would each fail on their own missing file; this stops the run first with one line that says why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-files.js';

/** What `npm run build` writes (build:assets, build:ts, build:bundle), relative to the project root. */
export const BUILD_OUTPUTS = ['dist/static/manifest.json', 'dist/src/cli.js', 'dist/bundle/web.js'];

/** The one line that says what is missing and what to run, or undefined when the build is there. */
export function missingBuildMessage(root = projectRoot): string | undefined {
  const missing = BUILD_OUTPUTS.filter((file) => !existsSync(join(root, file)));
  if (missing.length === 0) return undefined;
  return `Run \`npm run build\` first: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`;
}

export default function requireBuild(): void {
  const message = missingBuildMessage();
  if (!message) return;
  const error = new Error(message);
  error.stack = `Error: ${message}`; // the line says it all: no stack trace of Vitest's internals below it
  throw error;
}
