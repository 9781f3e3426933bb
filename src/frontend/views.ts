import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';
import { paths } from '../common/paths.js';

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

export type Renderer = (template: string, context: Record<string, unknown>) => string;

/** Nunjucks over our views and GOV.UK Frontend's own templates, autoescaping, compiled once and cached. */
export function createRenderer(assets: AssetUrls): Renderer {
  const environment = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([paths.views, paths.govukFrontend], { noCache: false }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );
  return (template, context) => environment.render(template, { ...context, assets });
}
