// Bundles the frontend's production entry point (dist/src/bin/web.js, compiled by tsc) and the packages it
// imports into dist/bundle/: one module graph of a few files instead of ~300, so `entrypoint.sh web` answers
// its first /_status sooner (bench/results/runtime.md). Dynamic imports stay separate chunks, so the primary
// still loads only what a primary needs. Runs after `npm run build:ts`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { namedExportsOf, schemaCompilersOnFirstUse, undiciAgentOnly } from './bundle-plugins.mjs';

const outdir = 'dist/bundle';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { web: 'dist/src/bin/web.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Optional peers the frontend never loads: file watching (nunjucks' watch mode), OpenTelemetry (prom-client),
  // pretty terminal logs (a dev dependency, loaded only for web-local on a terminal).
  external: ['chokidar', 'fsevents', '@opentelemetry/api', 'pino-pretty'],
  plugins: [namedExportsOf(['cookie']), schemaCompilersOnFirstUse(), undiciAgentOnly()],
  // The bundled CommonJS packages call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  // Whitespace and comments out, names kept (stack traces and profiles still read): V8 keeps each module's
  // source in the heap, and a single non-ASCII character in a comment makes the whole chunk a two-byte string.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // Licence notices kept beside the chunks (chunks/*.LEGAL.txt), not in them.
  legalComments: 'external',
  logLevel: 'warning',
});
