// esbuild plugins of the frontend's bundle (scripts/bundle-web.mjs), apart so a test can bundle with them.
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

/**
 * `await import('cookie')` (in @fastify/cookie) of a CommonJS package gets named exports from Node, but only
 * `default` from an esbuild bundle, so setting any cookie failed (found by the scale test). The package is
 * bundled through a module that re-exports its names explicitly.
 */
export const namedExportsOf = (packages) => ({
  name: 'commonjs-named-exports',
  setup(bundle) {
    const filter = new RegExp(`^(${packages.join('|')})$`);
    bundle.onResolve({ filter }, (args) => ({
      path: createRequire(join(args.resolveDir, 'importer.js')).resolve(args.path),
      namespace: 'commonjs-named-exports',
    }));
    bundle.onLoad({ filter: /.*/, namespace: 'commonjs-named-exports' }, (args) => {
      const names = Object.keys(createRequire(import.meta.url)(args.path)).filter(
        (name) => name !== 'default',
      );
      const contents = [
        `const module = require(${JSON.stringify(args.path)});`,
        ...names.map((name) => `export const ${name} = module.${name};`),
        'export default module;',
      ].join('\n');
      return { contents, resolveDir: dirname(args.path), loader: 'js' };
    });
  },
});

const SCHEMA_COMPILERS = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];

/**
 * Fastify loads its schema compilers (ajv, fast-json-stringify and theirs: ~400 KB of source) when it starts,
 * though the frontend has no route with a schema. In the bundle, Fastify gets a stand-in for each that loads
 * the package from node_modules (outside the bundle) the first time a schema is compiled: a worker holds
 * neither their source nor their modules unless a route needs them.
 */
export const schemaCompilersOnFirstUse = () => ({
  name: 'schema-compilers-on-first-use',
  setup(bundle) {
    const filter = new RegExp(`^(${SCHEMA_COMPILERS.join('|')})$`);
    bundle.onResolve({ filter }, (args) =>
      args.namespace === 'schema-compiler-stand-in'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'schema-compiler-stand-in' },
    );
    // Both packages export a factory (options → the builder Fastify calls with the schemas): the stand-in's
    // builder makes the real one on its first call.
    bundle.onLoad({ filter: /.*/, namespace: 'schema-compiler-stand-in' }, (args) => ({
      contents: [
        'module.exports = function schemaCompilerOnFirstUse(options) {',
        '  let builder;',
        '  return function (...args) {',
        `    builder ??= require(${JSON.stringify(args.path)})(options);`,
        '    return builder(...args);',
        '  };',
        '};',
      ].join('\n'),
      loader: 'js',
    }));
  },
});

/**
 * undici's index loads all of undici (~700 KB of source: fetch, WebSocket, caches, mocks, proxies) where the
 * frontend's upstream client imports only `Agent`. In the bundle, the frontend's `undici` is a module with the
 * names it imports, made from undici's own files: the dispatcher with its request API (what undici's index adds
 * to it) and the Agent. A name the frontend imports that this module lacks fails the build.
 */
export const undiciAgentOnly = () => ({
  name: 'undici-agent-only',
  setup(bundle) {
    bundle.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.includes(`${sep}src${sep}frontend${sep}`)
        ? { path: 'undici', namespace: 'undici-agent-only', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'undici-agent-only' }, (args) => ({
      contents: [
        "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
        "import api from 'undici/lib/api/index.js';",
        "import Agent from 'undici/lib/dispatcher/agent.js';",
        'Object.assign(Dispatcher.prototype, api);',
        'export { Agent };',
      ].join('\n'),
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
    }));
  },
});
