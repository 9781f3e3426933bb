/**
 * Benchmark servers run as the product's are: compiled JavaScript under plain node with the production heap
 * flags, not under tsx (whose loader adds memory and start-up work the product does not have).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { paths } from '../../src/common/project-files.js';
import { type Child, startChild } from './child.js';

/** The heap flags `entrypoint.sh` gives node by default (its DEFAULT_HEAP_FLAGS), read from the script. */
export function productionHeapFlags(): string[] {
  const script = readFileSync(join(paths.root, 'entrypoint.sh'), 'utf8');
  const flags = /^DEFAULT_HEAP_FLAGS="([^"]*)"/m.exec(script)?.[1];
  if (flags === undefined) throw new Error('entrypoint.sh no longer sets DEFAULT_HEAP_FLAGS');
  return flags.split(/\s+/).filter(Boolean);
}

/** Bundles a TypeScript entry point (and the packages it imports) into one JavaScript file in a temp dir. */
export async function compile(script: URL): Promise<URL> {
  const outfile = join(
    mkdtempSync(join(tmpdir(), 'bench-compiled-')),
    basename(fileURLToPath(script)).replace(/\.ts$/, '.mjs'),
  );
  await build({
    entryPoints: [fileURLToPath(script)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Bundled CommonJS packages (undici) call require for node's own modules.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return pathToFileURL(outfile);
}

/** `script` compiled and started under plain node with the production heap flags. */
export async function startCompiledChild(script: URL, args: string[] = []): Promise<Child> {
  return startChild(await compile(script), { args, nodeArgs: productionHeapFlags(), plainNode: true });
}
