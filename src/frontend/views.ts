// The page shell: GOV.UK's template rendered once with slots, every page a body fragment filling them.
// Adding a page? Read src/frontend/views/README.md: a page template names its title with a top-level
// `{% set pageTitle = "…" %}` and never uses `{% extends %}` (test/unit/page-templates.test.ts checks).
import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { paths } from '../common/project-files.js';

export interface AssetUrls {
  css: string;
  js: string;
  govukAssetPath: string;
}

/** The fingerprinted asset URLs the Rollup build wrote to its manifest. */
export function loadAssetUrls(manifestPath = paths.assetManifest): AssetUrls {
  let manifest: Record<string, string>;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  } catch {
    throw new Error(`No asset manifest at ${manifestPath}: run "npm run build:assets" first`);
  }
  const css = manifest['application.css'];
  const js = manifest['application.js'];
  const govukAssetPath = manifest.govukAssetPath;
  if (!css || !js || !govukAssetPath) throw new Error(`Incomplete asset manifest at ${manifestPath}`);
  return { css, js, govukAssetPath };
}

/** Renders a page template (its body) inside the shared shell; `hasErrors` prefixes the title "Error: ". */
export type Renderer = (template: string, context: Record<string, unknown>) => string;

type Slot = 'title' | 'nonce' | 'body';
const SLOT_MARK = '\u0000';

/**
 * GOV.UK's page template (header, footer, logo macros) is the same for every page but for the title and the
 * CSP nonce, and rendering it costs far more than any page body. So the shell is rendered once, with
 * placeholders, and each response renders only its page template and fills the three slots.
 */
export function createRenderer(assets: AssetUrls): Renderer {
  const environment = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([paths.views, paths.govukFrontend], { noCache: false }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );
  // Nunjucks' own trim runs a backtracking regex over the large strings GOV.UK's macros pass it; String#trim
  // strips exactly the same characters, in a fraction of the time.
  environment.addFilter('trim', (value: unknown) => {
    const trimmed = String(value ?? '').trim();
    return value instanceof nunjucks.runtime.SafeString ? new nunjucks.runtime.SafeString(trimmed) : trimmed;
  });
  reuseMacroImports(environment);
  const shell = environment.render('layout.njk', {
    assets,
    pageTitle: `${SLOT_MARK}title${SLOT_MARK}`,
    cspNonce: `${SLOT_MARK}nonce${SLOT_MARK}`,
    body: `${SLOT_MARK}body${SLOT_MARK}`,
  });
  // Alternating literal text and slot names: ['<!DOCTYPE…<title>', 'title', ' – GOV.UK</title>…', …].
  const parts = shell.split(new RegExp(`${SLOT_MARK}(title|nonce|body)${SLOT_MARK}`));
  const titles = new Map<string, string>();

  const titleOf = (template: string): string => {
    let title = titles.get(template);
    if (title === undefined) {
      // Each page template names its own title with a top-level `{% set pageTitle = "…" %}`.
      const exported = exportedVariables(environment, template);
      title = typeof exported.pageTitle === 'string' ? exported.pageTitle : '';
      titles.set(template, title);
    }
    return title;
  };

  return (template, context) => {
    const body = environment.render(template, { ...context, assets });
    const slots: Record<Slot, string> = {
      title: escapeHtml(`${context.hasErrors ? 'Error: ' : ''}${titleOf(template)}`),
      nonce: escapeHtml(String(context.cspNonce ?? '')),
      body,
    };
    let html = '';
    for (let i = 0; i < parts.length; i += 1) html += i % 2 === 0 ? parts[i] : slots[parts[i] as Slot];
    return html;
  };
}

type GetExported = (this: { env: unknown }, ...args: unknown[]) => void;
type ExportedCallback = (error: Error | null, exported?: Record<string, unknown>) => void;
const reusingEnvironments = new WeakSet<object>();
const exportsByTemplate = new WeakMap<object, Record<string, unknown>>();
let importsPatched = false;

/**
 * `{% from "govuk/components/button/macro.njk" import govukButton %}` runs the macro file's whole top level on
 * every render to collect its macros: ~9 % of a page's CPU in the profile (bench/results/runtime.md). An import
 * without context depends on nothing but the file, and the environment caches its compiled templates for the
 * life of the process, so the macros collected the first time are handed out again. Imports `with context` are
 * left alone.
 */
function reuseMacroImports(environment: nunjucks.Environment): void {
  reusingEnvironments.add(environment);
  if (importsPatched) return;
  importsPatched = true;
  const prototype = nunjucks.Template.prototype as unknown as { getExported: GetExported };
  const getExported = prototype.getExported;
  prototype.getExported = function (this: { env: unknown }, ...args: unknown[]) {
    const [callback] = args;
    if (typeof callback !== 'function' || !reusingEnvironments.has(this.env as object)) {
      getExported.apply(this, args);
      return;
    }
    const cached = exportsByTemplate.get(this);
    if (cached) {
      (callback as ExportedCallback)(null, cached);
      return;
    }
    getExported.call(this, (error: Error | null, exported?: Record<string, unknown>) => {
      if (!error && exported) exportsByTemplate.set(this, exported);
      (callback as ExportedCallback)(error, exported);
    });
  };
}

function exportedVariables(environment: nunjucks.Environment, template: string): Record<string, unknown> {
  let exported: Record<string, unknown> = {};
  // Templates compiled without async tags call back synchronously.
  const compiled = environment.getTemplate(template, true) as unknown as {
    getExported(callback: (error: Error | null, result: Record<string, unknown>) => void): void;
  };
  compiled.getExported((error, result) => {
    if (error) throw error;
    exported = result;
  });
  return exported;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
