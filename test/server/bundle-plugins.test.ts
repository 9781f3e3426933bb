// The frontend bundle's esbuild plugins (scripts/bundle-plugins.mjs), each in a small bundle run under node.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript build script without type declarations
import { schemaCompilersOnFirstUse, undiciAgentOnly } from '../../scripts/bundle-plugins.mjs';
import { paths } from '../../src/common/project-files.js';

const run = promisify(execFile);
// Under node_modules, so that what a bundle leaves outside (the schema compilers) is found as in dist/bundle.
const dir = join(paths.root, 'node_modules', '.cache', 'bundle-plugins-test');

/** Bundles `source` (an ES module) with the plugins as scripts/bundle-web.mjs does, runs it, returns its stdout. */
async function bundleAndRun(
  name: string,
  source: string,
  plugins: unknown[],
): Promise<{ out: string; code: string }> {
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${name}-entry.mjs`);
  const outfile = join(dir, `${name}.mjs`);
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: plugins as never,
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const { stdout } = await run(process.execPath, [outfile]);
  return { out: stdout.trim(), code: readFileSync(outfile, 'utf8') };
}

describe('frontend bundle plugins', { timeout: 60_000 }, () => {
  it('leaves the schema compilers out of the bundle, and a route with a schema still validates and serialises', async () => {
    const { out, code } = await bundleAndRun(
      'schemas',
      `import Fastify from 'fastify';
       const app = Fastify();
       app.post('/echo', {
         schema: {
           body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
           response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
         },
       }, async (request) => ({ n: request.body.n, dropped: 'by the serialiser' }));
       const valid = await app.inject({ method: 'POST', url: '/echo', payload: { n: 3 } });
       const invalid = await app.inject({ method: 'POST', url: '/echo', payload: { n: 'three' } });
       console.log(JSON.stringify([valid.statusCode, valid.body, invalid.statusCode, invalid.json().message]));`,
      [schemaCompilersOnFirstUse()],
    );
    expect(JSON.parse(out)).toEqual([200, '{"n":3}', 400, 'body/n must be integer']);
    // esbuild heads each bundled file's code with a comment naming it.
    expect(code).toContain('// node_modules/fastify/lib/schema-controller.js');
    expect(code).not.toContain('// node_modules/ajv/');
    expect(code).not.toContain('// node_modules/fast-json-stringify/index.js');
  });

  it("gives the frontend's upstream client an undici Agent that makes requests, without the rest of undici", async () => {
    mkdirSync(join(dir, 'src', 'frontend'), { recursive: true });
    const { out, code } = await bundleAndRun(
      join('src', 'frontend', 'agent'),
      `import { createServer } from 'node:http';
       import { Agent } from 'undici';
       const server = createServer((request, response) => response.end(request.url)).listen(0, '127.0.0.1');
       await new Promise((resolve) => server.once('listening', resolve));
       const agent = new Agent({ connections: 2 });
       const answer = await agent.request({ origin: 'http://127.0.0.1:' + server.address().port, path: '/hello', method: 'GET' });
       console.log(answer.statusCode + ' ' + (await answer.body.text()));
       await agent.close();
       server.close();`,
      [undiciAgentOnly()],
    );
    expect(out).toBe('200 /hello');
    expect(code).toContain('// node_modules/undici/lib/dispatcher/agent.js');
    expect(code).not.toContain('// node_modules/undici/lib/web/websocket/');
    expect(code).not.toContain('// node_modules/undici/lib/web/fetch/index.js');
    expect(code).not.toContain('// node_modules/undici/lib/mock/');
  });
});
