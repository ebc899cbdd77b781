/**
 * The HTML and Markdown renderers without a browser: escaping, the CSP and its style hash, no
 * script or event handler anywhere, graceful handling of optional fields.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { esc } from '../../src/report/html_escape.js';
import { HTML_CSP, HTML_STYLE, generic } from '../../src/report/html.js';
import { md } from '../../src/report/markdown_escape.js';
import { FORMULA, hostileCase, IMG, SCRIPT } from '../support/hostile.js';
import { runCli } from '../support/run_cli.js';

describe('esc()', () => {
  it.each([
    [SCRIPT, '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [IMG, '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'],
    [`a'b&c`, 'a&#39;b&amp;c'],
    ['\u001b[31mred', '\\x1b[31mred'],
    ['tab\tand\nnewline', 'tab\tand\nnewline'],
  ])('%j → %j', (input, out) => expect(esc(input)).toBe(out));

  it('null and undefined are empty', () => {
    expect(esc(null)).toBe('');
    expect(esc(undefined)).toBe('');
  });
});

describe('md()', () => {
  it('leaves no HTML tag, table-cell break, link or emphasis in untrusted text', () => {
    const out = md(`${SCRIPT} | [x](http://evil) *b* _i_ \`c\` ${IMG}\nnext www.evil.example`);
    expect(out).not.toMatch(/<|>/);
    expect(out).not.toMatch(/(^|[^\\])\|/);
    expect(out).not.toMatch(/(^|[^\\])[[\]*_`]/);
    expect(out).not.toContain('\n');
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('http\\://evil');
    expect(out).toContain('www\\.evil');
  });
});

describe('renderHtml', () => {
  it('has a CSP that allows only its own style, by hash, and loads nothing', () => {
    const hash = createHash('sha256').update(HTML_STYLE).digest('base64');
    expect(HTML_CSP).toBe(`default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`);
  });

  it('hostile user files: no script, no tag or handler from the payloads, payloads escaped', async () => {
    const h = hostileCase();
    const r = await runCli(['audit', h.capture, '--matrix', h.matrix, '--inventory', h.inventory, '--format', 'html']);
    expect(r.code).toBe(1);
    const html = r.stdout;
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${esc(HTML_CSP)}">`);
    expect(html).toContain(`<style>${HTML_STYLE}</style>`);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i); // no event-handler attribute in any tag
    expect(html).not.toMatch(/\sstyle=/); // inline style attributes would break the hashed CSP
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing external
    expect(html).toContain(esc(SCRIPT));
    expect(html).toContain(esc(IMG));
    expect(html).toContain(esc(FORMULA));
  });

  it('renders unknown optional fields generically, escaped', () => {
    expect(generic({ a: SCRIPT, b: [1, 'x'] })).toBe('<span class="muted">a:</span> &lt;script&gt;alert(1)&lt;/script&gt;; <span class="muted">b:</span> <ul class="extra"><li>1</li><li>x</li></ul>');
    expect(generic(null)).toBe('');
  });
});

describe('renderMarkdown', () => {
  it('hostile user files give no raw HTML and no formula link', async () => {
    const h = hostileCase();
    const r = await runCli(['audit', h.capture, '--matrix', h.matrix, '--inventory', h.inventory, '--format', 'markdown']);
    expect(r.stdout).toMatch(/^## flowaudit: FAIL/);
    expect(r.stdout).not.toMatch(/<(script|img)/i);
    expect(r.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.stdout).toContain('### Evidence');
  });
});
