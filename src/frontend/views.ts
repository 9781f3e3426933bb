// The page shell: GOV.UK's template rendered once with slots, every page a body fragment filling them.
// Adding a page? Read src/frontend/views/README.md: a page template names its title with a top-level
// `{% set pageTitle = "<catalogue key>" %}` and never uses `{% extends %}` (test/unit/page-templates.test.ts
// checks).
import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { paths } from '../common/project-files.js';
import { type Content, contentFor, escapeHtml } from './content.js';
import { DEFAULT_LANGUAGE, type Language, LANGUAGES, parseLanguage } from './language.js';

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

/**
 * Renders a page template (its body) inside the shared shell, in the context's `language` (English when absent);
 * `hasErrors` prefixes the title with the catalogue's "Error: " form, `alternateUrl` is where the language
 * toggle leads (no toggle without it).
 */
export type Renderer = (template: string, context: Record<string, unknown>) => string;

type Slot = 'title' | 'nonce' | 'toggle' | 'body';
const SLOT_MARK = '\u0000';
const SLOT_PATTERN = new RegExp(`${SLOT_MARK}(title|nonce|toggle|body)${SLOT_MARK}`);

interface Shell {
  content: Content;
  /** Alternating literal text and slot names: ['<!DOCTYPE…<title>', 'title', ' – GOV.UK</title>…', …]. */
  parts: string[];
  /** The language toggle's markup before and after the address of the page in the other language. */
  toggle: [string, string];
}

/**
 * GOV.UK's page template (header, footer, logo macros) is the same for every page but for the title, the CSP
 * nonce and the toggle's address, and rendering it costs far more than any page body. So the shell is rendered
 * once per language, with placeholders, and each response renders only its page template and fills the slots.
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
  const shells = new Map<Language, Shell>(
    LANGUAGES.map((language) => {
      const content = contentFor(language);
      const slot = (name: Slot) => `${SLOT_MARK}${name}${SLOT_MARK}`;
      const shell = environment.render('layout.njk', {
        assets,
        language,
        t: content.t,
        pageTitle: slot('title'),
        cspNonce: slot('nonce'),
        toggle: slot('toggle'),
        body: slot('body'),
      });
      const toggle = environment.render('partials/language-toggle.njk', {
        language,
        t: content.t,
        alternateUrl: SLOT_MARK,
      });
      const [before = '', after = ''] = toggle.split(SLOT_MARK);
      return [language, { content, parts: shell.split(SLOT_PATTERN), toggle: [before, after] }];
    }),
  );
  const titles = new Map<string, string>();

  const titleKeyOf = (template: string): string => {
    let title = titles.get(template);
    if (title === undefined) {
      // Each page template names its title's catalogue key with a top-level `{% set pageTitle = "…" %}`.
      const exported = exportedVariables(environment, template);
      title = typeof exported.pageTitle === 'string' ? exported.pageTitle : '';
      titles.set(template, title);
    }
    return title;
  };

  return (template, context) => {
    const shell = shells.get(parseLanguage(context.language) ?? DEFAULT_LANGUAGE) as Shell;
    const { t } = shell.content;
    const body = environment.render(template, { ...context, assets, t, content: shell.content });
    const title = t(titleKeyOf(template));
    const alternateUrl = typeof context.alternateUrl === 'string' ? context.alternateUrl : undefined;
    const slots: Record<Slot, string> = {
      title: escapeHtml(context.hasErrors ? t('common.errorTitle', { title }) : title),
      nonce: escapeHtml(String(context.cspNonce ?? '')),
      toggle: alternateUrl === undefined ? '' : shell.toggle[0] + escapeHtml(alternateUrl) + shell.toggle[1],
      body,
    };
    const { parts } = shell;
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
  // Templates compiled without async tags call back synchronously. Reading the top-level variables runs the
  // template's top level, so the functions it calls are given as stand-ins that print nothing.
  const compiled = environment.getTemplate(template, true) as unknown as {
    getExported(
      context: Record<string, unknown>,
      parentFrame: null,
      callback: (error: Error | null, result: Record<string, unknown>) => void,
    ): void;
  };
  const nothing = () => '';
  compiled.getExported({ t: nothing, content: { linked: nothing } }, null, (error, result) => {
    if (error) throw error;
    exported = result;
  });
  return exported;
}
