// Builds every static asset into dist/static with fingerprinted names and writes manifest.json for the views:
// application-[hash].js (GOV.UK Frontend components, ES module), application-[hash].css (Sass),
// and GOV.UK Frontend's images, fonts and web manifest under a folder named after their content hash.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import * as sass from 'sass';

const outDir = 'dist/static';
const govukAssets = 'node_modules/govuk-frontend/dist/govuk/assets';
const compressible = /\.(js|css|svg|json|ico)$/;

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function govukAssetsFolder() {
  const hash = createHash('sha256');
  for (const file of listFiles(govukAssets).sort())
    hash.update(relative(govukAssets, file)).update(readFileSync(file));
  return `assets/${hash.digest('hex').slice(0, 12)}`;
}

function staticAssets() {
  const govukFolder = govukAssetsFolder();
  let cssRef;
  return {
    name: 'document-download-static-assets',
    buildStart() {
      for (const file of listFiles(govukAssets)) {
        this.emitFile({
          type: 'asset',
          fileName: `${govukFolder}/${relative(govukAssets, file)}`,
          source: readFileSync(file),
        });
      }
      const settings = {
        canonicalize: (url) => (url === 'build:settings' ? new URL(url) : null),
        load: () => ({ contents: `$govuk-assets-path: "/${govukFolder}/";`, syntax: 'scss' }),
      };
      const { css } = sass.compile('assets/stylesheets/application.scss', {
        style: 'compressed',
        importers: [settings, new sass.NodePackageImporter()],
        quietDeps: true,
      });
      cssRef = this.emitFile({ type: 'asset', name: 'application.css', source: css });
    },
    generateBundle(_options, bundle) {
      const js = Object.values(bundle).find((chunk) => chunk.type === 'chunk' && chunk.isEntry);
      const manifest = {
        'application.js': `/${js.fileName}`,
        'application.css': `/${this.getFileName(cssRef)}`,
        govukAssetPath: `/${govukFolder}`,
      };
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: JSON.stringify(manifest, null, 2) });
    },
    writeBundle(options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!compressible.test(fileName) || fileName === 'manifest.json') continue;
        const path = join(options.dir, fileName);
        const source = readFileSync(path);
        writeFileSync(`${path}.gz`, gzipSync(source, { level: 9 }));
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(source, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

export default {
  input: { application: 'assets/javascripts/application.mjs' },
  output: {
    dir: outDir,
    format: 'es',
    entryFileNames: 'assets/[name]-[hash].js',
    assetFileNames: 'assets/[name]-[hash][extname]',
    sourcemap: false,
  },
  plugins: [nodeResolve(), terser(), staticAssets()],
};
