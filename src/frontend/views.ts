// The page shell: GOV.UK's template rendered once with slots, every page a body fragment filling them.
// Adding a page? Read src/frontend/views/README.md: a page template names its title with a top-level
// `{% set pageTitle = "<catalogue key>" %}` and never uses `{% extends %}` (test/unit/page-templates.test.ts
// checks).
import { readFileSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
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
 * Values that belong to one request only (a link holding the document's key, a CSRF token): the page template
 * prints each of them as text (`{{ name }}`, or handed to a GOV.UK macro that prints it), and does nothing else
 * with it — no `if name == …`, no filter, no `t(name)`. Only whether it is empty may change what is printed.
 */
export type PerRequestValues = Readonly<Record<string, string | undefined>>;

/**
 * Renders a page template (its body) inside the shared shell, in the context's `language` (English when absent);
 * `hasErrors` prefixes the title with the catalogue's "Error: " form, `alternateUrl` is where the language
 * toggle leads (no toggle without it). `perRequest` values are printed as if they were in the context.
 */
export interface Renderer {
  (template: string, context: Record<string, unknown>, perRequest?: PerRequestValues): string;
  /**
   * The same page as UTF-8 bytes, ready to send: the shell's literal parts are encoded once, so the whole page is
   * never made into one string (with a single non-Latin-1 character, such as the title's dash, that string takes
   * two bytes a character, then is copied again to be encoded).
   */
  bytes(template: string, context: Record<string, unknown>, perRequest?: PerRequestValues): Buffer;
}

type Slot = 'title' | 'nonce' | 'toggle' | 'body';
const SLOT_MARK = '\u0000';
const SLOT_PATTERN = new RegExp(`${SLOT_MARK}(title|nonce|toggle|body)${SLOT_MARK}`);

interface Shell {
  content: Content;
  /** Alternating literal text and slot names: ['<!DOCTYPE…<title>', 'title', ' – GOV.UK</title>…', …]. */
  parts: string[];
  /** `parts` as UTF-8, the slot names' places left empty. */
  encodedParts: Buffer[];
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
      const parts = shell.split(SLOT_PATTERN);
      const encodedParts = parts.map((part, i) => (i % 2 === 0 ? Buffer.from(part) : EMPTY));
      return [language, { content, parts, encodedParts, toggle: [before, after] }];
    }),
  );
  const titles = new Map<string, string>();
  const plans = new BodyPlans(environment, (language, values) => {
    const content = (shells.get(language) as Shell).content;
    return { ...values, assets, t: content.t, content };
  });

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

  const slotsOf = (
    template: string,
    context: Record<string, unknown>,
    perRequest: PerRequestValues | undefined,
  ): { shell: Shell; slots: Record<Slot, string> } => {
    const language = parseLanguage(context.language) ?? DEFAULT_LANGUAGE;
    const shell = shells.get(language) as Shell;
    const { t } = shell.content;
    const body = plans.render(template, language, context, perRequest ?? NO_VALUES);
    const title = t(titleKeyOf(template));
    const alternateUrl = typeof context.alternateUrl === 'string' ? context.alternateUrl : undefined;
    const slots: Record<Slot, string> = {
      title: escapeHtml(context.hasErrors ? t('common.errorTitle', { title }) : title),
      nonce: escapeHtml(String(context.cspNonce ?? '')),
      toggle: alternateUrl === undefined ? '' : shell.toggle[0] + escapeHtml(alternateUrl) + shell.toggle[1],
      body,
    };
    return { shell, slots };
  };

  const render = (template: string, context: Record<string, unknown>, perRequest?: PerRequestValues) => {
    const { shell, slots } = slotsOf(template, context, perRequest);
    const { parts } = shell;
    let html = '';
    for (let i = 0; i < parts.length; i += 1) html += i % 2 === 0 ? parts[i] : slots[parts[i] as Slot];
    return html;
  };
  // One buffer of the page's exact size: the literal parts copied in, each slot encoded straight into it.
  const bytes = (template: string, context: Record<string, unknown>, perRequest?: PerRequestValues) => {
    const { shell, slots } = slotsOf(template, context, perRequest);
    const { parts, encodedParts } = shell;
    let length = 0;
    for (let i = 0; i < parts.length; i += 1) {
      length += i % 2 === 0 ? (encodedParts[i] as Buffer).length : Buffer.byteLength(slots[parts[i] as Slot]);
    }
    const page = Buffer.allocUnsafe(length);
    let offset = 0;
    for (let i = 0; i < parts.length; i += 1) {
      if (i % 2 === 0) {
        const part = encodedParts[i] as Buffer;
        page.set(part, offset);
        offset += part.length;
      } else {
        offset += page.write(slots[parts[i] as Slot], offset);
      }
    }
    return page;
  };
  return Object.assign(render, { bytes });
}

const EMPTY = Buffer.alloc(0);

// Nunjucks' own autoescape function (its type declarations leave it out), so a value is escaped as before.
const escapeAsNunjucks = (nunjucks.lib as unknown as { escape(text: string): string }).escape;
const NO_VALUES: PerRequestValues = Object.freeze({});
/** What the shell fills itself: never part of what a page body is rendered from. */
const SHELL_VALUES = new Set(['language', 'cspNonce', 'alternateUrl', 'hasErrors']);
const PLAN_MARK = '\u0003';
const PLAN_SLOT = new RegExp(`${PLAN_MARK}(\\d+)${PLAN_MARK}`);
// Every character Nunjucks' autoescape rewrites: a plan is trusted only if each one comes out as it would.
const ESCAPE_PROBE = `&"'<>\\ probe`;
/** At most this many page bodies are kept as plans per renderer (a body is one or two KB). */
const MAX_PLANS = 2000;

/**
 * A page body rendered once with a marker in place of each per-request value: alternating literal HTML and the
 * index of the value that goes between (['<h1>…href="', 0, '"…']); null when the template does more with a
 * value than print it, and so must be rendered every time.
 */
type BodyPlan = (string | number)[] | null;

/**
 * Page bodies as plans, per template, language, context and set of non-empty per-request values. The context
 * (a service, its contact details, an error) recurs across many requests; the per-request values are escaped
 * as Nunjucks escapes them and put in place, so a page costs a lookup and a concatenation.
 */
class BodyPlans {
  private readonly plans = new LRUCache<string, { plan: BodyPlan }>({ max: MAX_PLANS });

  constructor(
    private readonly environment: nunjucks.Environment,
    private readonly fullContext: (
      language: Language,
      values: Record<string, unknown>,
    ) => Record<string, unknown>,
  ) {}

  render(
    template: string,
    language: Language,
    context: Record<string, unknown>,
    perRequest: PerRequestValues,
  ): string {
    const names: string[] = [];
    let key = `${template}\u0000${language}\u0000`;
    for (const name in perRequest) {
      if (perRequest[name]) {
        names.push(name);
        key += `${name},`;
      }
    }
    for (const name in context) {
      if (!SHELL_VALUES.has(name) && context[name] !== undefined) {
        key += `\u0000${name}=${JSON.stringify(context[name])}`;
      }
    }
    let entry = this.plans.get(key);
    if (entry === undefined) {
      entry = { plan: this.build(template, language, context, perRequest, names) };
      this.plans.set(key, entry);
    }
    const { plan } = entry;
    if (plan === null) return this.renderFully(template, language, context, perRequest, (value) => value);
    let html = '';
    for (const part of plan) {
      html += typeof part === 'string' ? part : escapeAsNunjucks(perRequest[names[part] as string] as string);
    }
    return html;
  }

  private renderFully(
    template: string,
    language: Language,
    context: Record<string, unknown>,
    perRequest: PerRequestValues,
    valueOf: (value: string, index: number) => string,
  ): string {
    const values: Record<string, unknown> = { ...context };
    let index = 0;
    for (const name in perRequest) {
      const value = perRequest[name];
      values[name] = value ? valueOf(value, index++) : value;
    }
    return this.environment.render(template, this.fullContext(language, values));
  }

  /**
   * Renders the body with markers for the values, then checks the plan against a full render with values made
   * of every character Nunjucks escapes: a template that filters, compares or double-escapes a value gets no plan.
   */
  private build(
    template: string,
    language: Language,
    context: Record<string, unknown>,
    perRequest: PerRequestValues,
    names: string[],
  ): BodyPlan {
    const marked = this.renderFully(
      template,
      language,
      context,
      perRequest,
      (_, i) => `${PLAN_MARK}${i}${PLAN_MARK}`,
    );
    const pieces = marked.split(PLAN_SLOT);
    const plan: (string | number)[] = [];
    for (let i = 0; i < pieces.length; i += 1) {
      const piece = pieces[i] as string;
      if (i % 2 === 0) {
        if (piece.includes(PLAN_MARK)) return null;
        if (piece !== '') plan.push(piece);
      } else {
        plan.push(Number(piece));
      }
    }
    const probe = (index: number) => `${ESCAPE_PROBE} ${index}`;
    const probed = this.renderFully(template, language, context, perRequest, (_, i) => probe(i));
    const filled = plan
      .map((part) => (typeof part === 'string' ? part : escapeAsNunjucks(probe(part))))
      .join('');
    return filled === probed && names.every((_, i) => plan.includes(i)) ? plan : null;
  }
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
