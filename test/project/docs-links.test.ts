// Every relative link and image in README.md and docs/ points at a file that exists, so moving a
// page or a screenshot cannot leave a newcomer at a dead link.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(dir, f));
}

/** Targets of `[text](target)` and `![alt](target)` that are paths in this repository. */
function relativeTargets(markdown: string): string[] {
  const code = /```[\s\S]*?```/g; // links inside code blocks are examples, not links
  const targets = [...markdown.replace(code, '').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  return targets
    .filter((t): t is string => t !== undefined && !/^[a-z]+:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0] ?? t);
}

const files = ['README.md', ...markdownFiles('docs')];

describe('README and docs links', () => {
  it('finds the guide pages', () => {
    for (const page of ['label', 'dataset', 'reward', 'policy', 'results']) {
      expect(files).toContain(join('docs', `${page}.md`));
    }
  });

  it.each(files)('%s links only to files that exist', (file) => {
    const dead = relativeTargets(readFileSync(file, 'utf8')).filter(
      (target) => !existsSync(join(dirname(file), target)),
    );
    expect(dead).toEqual([]);
  });

  it('the README links every guide page', () => {
    const linked = relativeTargets(readFileSync('README.md', 'utf8'));
    for (const page of ['label', 'dataset', 'reward', 'policy', 'results']) {
      expect(linked).toContain(`docs/${page}.md`);
    }
  });
});
