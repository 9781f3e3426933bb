import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAntivirusConfig } from '../../src/antivirus/config.js';
import { loadApiConfig } from '../../src/api/config.js';
import type { Env } from '../../src/common/env.js';
import { loadFrontendConfig } from '../../src/frontend/config.js';
import { loadServerSettings } from '../../src/server/settings.js';

// docs/configuration.md is where a newcomer looks up a variable: it must name every variable the configuration
// modules read, and never a stale name.
const CONFIG_MODULES = [
  'src/frontend/config.ts',
  'src/api/config.ts',
  'src/server/settings.ts',
  'src/antivirus/config.ts',
];
const DOCS_FILE = 'docs/configuration.md';
const DOCS = readFileSync(DOCS_FILE, 'utf8');

const NAME = '[A-Z][A-Z0-9_]*';
/** How the modules read a variable: `env.NAME`, `env['NAME']`, or a helper given the name as a string. */
const READS = [
  new RegExp(`\\benv\\.(${NAME})\\b`, 'g'),
  new RegExp(`\\benv\\[\\s*'(${NAME})'\\s*\\]`, 'g'),
  // requireVariable(env, 'NAME', …), integerVariable(env, 'NAME', …), booleanVariable(env, 'NAME', …) and the
  // frontend's required('NAME'); the first string argument is the name.
  new RegExp(`\\b(?:requireVariable|integerVariable|booleanVariable|required)\\([^']*?'(${NAME})'`, 'g'),
];

function variablesReadBy(source: string): Set<string> {
  const names = new Set<string>();
  for (const pattern of READS) for (const match of source.matchAll(pattern)) names.add(match[1] as string);
  return names;
}

function variablesRead(): string[] {
  const names = new Set<string>();
  for (const file of CONFIG_MODULES) {
    for (const name of variablesReadBy(readFileSync(file, 'utf8'))) names.add(name);
  }
  return [...names].sort();
}

/** The variables the text does not name as `NAME`. */
function missingFrom(text: string, names: string[]): string[] {
  return names.filter((name) => !text.includes(`\`${name}\``));
}

/** Mentions of a `WORKERS` variable (the runtime reads WEB_CONCURRENCY). */
function workersMentions(text: string): string[] {
  return text.match(/\bWORKERS\b/g) ?? [];
}

/** Every name the loaders actually look up when run, to check the source patterns above miss none. */
function namesLookedUp(load: (env: Env) => unknown, given: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const env = new Proxy(given, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
  load(env);
  return names;
}

describe(`the variables in ${DOCS_FILE}`, () => {
  const read = variablesRead();

  it('finds the variables each configuration module reads', () => {
    // One sample per way of reading, per module, so a pattern that stops matching fails here.
    expect(read).toEqual(
      expect.arrayContaining([
        'API_HOST_NAME', // frontend: required('…')
        'HTTP_PROTOCOL', // frontend: env.…
        'SERVICE_CACHE_TTL_SECONDS', // frontend: integerVariable(env, '…')
        'AUTH_TOKENS', // api: requireVariable(env, '…')
        'ANTIVIRUS_ENABLED', // api: booleanVariable(env, '…')
        'SERVICES_FILE', // api: env.…
        'WEB_CONCURRENCY', // server: integerVariable(env, '…')
        'METRICS_HOST', // server: env.…
        'CLAMD_SOCKET', // antivirus: env.…
        'CLAMD_TIMEOUT_SECONDS', // antivirus: integerVariable(env, '…')
      ]),
    );
    expect(read.length).toBeGreaterThan(40);
  });

  it('misses no variable the loaders look up when they run', () => {
    const development = { NOTIFY_ENVIRONMENT: 'development' };
    const lookedUp = new Set([
      ...namesLookedUp(loadFrontendConfig, development),
      ...namesLookedUp(loadApiConfig, { ...development, SERVICES_FILE: 'services.json' }),
      ...namesLookedUp(loadAntivirusConfig, development),
      ...namesLookedUp(
        (env) => loadServerSettings(env, { port: 7000, requestTimeoutMs: 30_000, logLevel: 'info' }, 2),
        { METRICS_PORT: '9100' },
      ),
    ]);
    expect([...lookedUp].filter((name) => !read.includes(name))).toEqual([]);
  });

  it('names every one of them', () => {
    expect(missingFrom(DOCS, read)).toEqual([]);
  });

  it('never mentions a WORKERS variable (the worker count is WEB_CONCURRENCY)', () => {
    expect(workersMentions(DOCS)).toEqual([]);
    expect(DOCS).toContain('`WEB_CONCURRENCY`');
  });

  it('would notice a variable missing from it, or WORKERS back in it', () => {
    const withoutAuthTokens = DOCS.replaceAll('`AUTH_TOKENS`', 'the tokens');
    expect(missingFrom(withoutAuthTokens, read)).toContain('AUTH_TOKENS');
    expect(workersMentions(`${DOCS}\nSet \`WORKERS\` to the worker count.\n`)).toEqual(['WORKERS']);
  });
});
