// The page-shell rule (src/frontend/views/README.md): every template under views/pages and views/errors is a body
// fragment that names its title with a top-level `{% set pageTitle = "…" %}` and never `{% extends %}`. A page
// that breaks it renders inside the shell with an empty <title>, or as a whole document inside another.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { paths } from '../../src/common/project-files.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const environment = new nunjucks.Environment(
  new nunjucks.FileSystemLoader([paths.views, FIXTURES, paths.govukFrontend]),
);

/** Every page template, found in the folders rather than listed, so a new page is covered when it is added. */
function pageTemplates(): string[] {
  return ['pages', 'errors'].flatMap((folder) =>
    readdirSync(join(paths.views, folder))
      .filter((file) => file.endsWith('.njk'))
      .map((file) => `${folder}/${file}`),
  );
}

/** What is wrong with a page template (empty when it keeps the rule). */
function pageTemplateProblems(template: string, source: string): string[] {
  const problems: string[] = [];
  if (/\{%-?\s*extends\b/.test(source)) problems.push(`${template} uses {% extends %}`);
  if (!/\{%-?\s*set\s+pageTitle\s*=/.test(source)) problems.push(`${template} has no {% set pageTitle %}`);
  else if (!exportedTitle(template)) problems.push(`${template} does not set pageTitle at its top level`);
  return problems;
}

/** The pageTitle the template exports, which is what the renderer puts in <title>. */
function exportedTitle(template: string): unknown {
  let title: unknown;
  const compiled = environment.getTemplate(template, true) as unknown as {
    getExported(
      context: Record<string, unknown>,
      parentFrame: null,
      callback: (error: Error | null, exported: Record<string, unknown>) => void,
    ): void;
  };
  // Running the top level calls the catalogue's functions: stand-ins that print nothing.
  const nothing = () => '';
  compiled.getExported({ t: nothing, content: { linked: nothing } }, null, (error, exported) => {
    if (error) throw error;
    title = exported.pageTitle;
  });
  return typeof title === 'string' && title !== '' ? title : undefined;
}

function problemsOf(folder: string, template: string): string[] {
  return pageTemplateProblems(template, readFileSync(join(folder, template), 'utf8'));
}

describe('page templates', () => {
  const templates = pageTemplates();

  it('are found in views/pages and views/errors', () => {
    expect(templates).toEqual(expect.arrayContaining(['pages/landing.njk', 'errors/404.njk']));
  });

  it.each(templates)('%s is a body fragment with its own title', (template) => {
    expect(problemsOf(paths.views, template)).toEqual([]);
  });
});

describe('the page template check', () => {
  it.each([
    ['bad-pages/extends-the-template.njk', 'uses {% extends %}'],
    ['bad-pages/no-title.njk', 'has no {% set pageTitle %}'],
    ['bad-pages/title-only-sometimes.njk', 'does not set pageTitle at its top level'],
  ])('refuses %s: it %s', (template, problem) => {
    expect(problemsOf(FIXTURES, template)).toEqual([`${template} ${problem}`]);
  });
});
