/**
 * Every relative link in README.md and docs/*.md resolves: the file exists and, for `#anchor`,
 * a heading of that file has that GitHub slug. External links (scheme:) are not followed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Pages other helpers are writing at the same time; linked from the README before they land
 * (verify-and-sign, reading-a-report, etl, windows and scale have landed).
 * The lead empties this list once they are merged: then a missing page fails.
 */
const PENDING_PAGES = new Set<string>();

const documents = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchor: lower case, punctuation other than - and _ dropped, spaces to -. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** Text outside fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Anchors of a file's headings (outside code blocks; code spans in a heading keep their text). */
function headingAnchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} +(.+)$/gm)) out.add(slug(m[1] ?? ''));
  return out;
}

interface Link {
  from: string;
  target: string;
}

function links(file: string): Link[] {
  const out: Link[] = [];
  for (const m of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    out.push({ from: file, target });
  }
  return out;
}

function problem({ from, target }: Link): string | null {
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? from : normalize(join(dirname(from), decodeURIComponent(path)));
  if (!existsSync(file)) return PENDING_PAGES.has(file) ? null : `${from}: ${target}: no file ${file}`;
  if (anchor === undefined || !file.endsWith('.md')) return null;
  return headingAnchors(file).has(anchor) ? null : `${from}: ${target}: no heading #${anchor} in ${file}`;
}

describe('documentation links', () => {
  it('README.md and docs/*.md have links to check', () => {
    expect(documents).toContain('README.md');
    expect(documents.length).toBeGreaterThan(10);
    expect(links('README.md').length).toBeGreaterThan(20);
  });

  it.each(documents)('every relative link in %s resolves', (file) => {
    expect(links(file).map(problem).filter((p) => p !== null)).toEqual([]);
  });

  it('the pending pages are linked from the README (so the list empties as they land)', () => {
    const fromReadme = new Set(links('README.md').map((l) => l.target.split('#')[0]));
    for (const page of PENDING_PAGES) expect(fromReadme, page).toContain(page);
  });

  it('the README is a front page of at most 300 lines', () => {
    expect(readFileSync('README.md', 'utf8').split('\n').length).toBeLessThanOrEqual(301);
  });

  it.each([
    ['Live capture', 'live-capture'],
    ['Merging sensors: `audit --emit-state` and `merge`', 'merging-sensors-audit---emit-state-and-merge'],
    ["Flow logs as input (Zeek, Suricata, flowaudit's own)", 'flow-logs-as-input-zeek-suricata-flowaudits-own'],
  ])('slug(%s) is GitHub anchor %s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });
});
