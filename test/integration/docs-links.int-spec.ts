import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '../..');
/** Folders that hold no documentation of ours. */
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'dist-tools', 'var', 'demo-output', 'coverage']);

function markdownFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return SKIPPED.has(name) ? [] : markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks: a link inside one is an example, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(path: string): Set<string> {
  const headings = prose(readFileSync(path, 'utf8')).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((heading) => anchorOf(heading.replace(/^#+ /, ''))));
}

/** Every relative link of every Markdown file: `[text](target)`, web and mail links left out. */
function relativeLinks(): { file: string; target: string }[] {
  return markdownFiles(ROOT).flatMap((file) =>
    [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ file, target })),
  );
}

describe('documentation links', () => {
  const links = relativeLinks();

  it('finds the links of the README and docs/', () => {
    const files = new Set(links.map((link) => relative(ROOT, link.file)));
    expect([...files]).toEqual(
      expect.arrayContaining(['README.md', 'docs/operations.md', 'bench/README.md']),
    );
  });

  it('resolves every relative link to a file, and every anchor to a heading', () => {
    const broken = links.filter(({ file, target }) => {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(destination)) return true;
      if (anchor === undefined || !destination.endsWith('.md')) return false;
      return !anchorsOf(destination).has(anchor);
    });
    expect(broken.map(({ file, target }) => `${relative(ROOT, file)} → ${target}`)).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    expect(anchorOf('Batches (`/internal/batches`)')).toBe('batches-internalbatches');
    expect(anchorOf("Chromium's sandbox")).toBe('chromiums-sandbox');
  });
});
