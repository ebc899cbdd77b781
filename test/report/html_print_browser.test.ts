/**
 * The HTML report's layout in a real browser (Debian's headless Chromium through playwright-core),
 * on the bundled lab, the crowd capture (fixtures/make_crowd.ts) and a synthetic result with 2,000
 * unexpected client → server entries over 300 ports:
 *   - no address ever wraps: every `.addr` box is one line whose rendered width holds its text, and
 *     stays inside its table cell, on screen and in the print layout;
 *   - the diagram stays under its height cap however many unexpected flows there are;
 *   - printed to PDF (A4 landscape), page 1 carries the verdict, the headline figures and the
 *     reasons (read back with pdftotext from poppler-utils), and the diagram sits on one page.
 * Also writes the README's screenshot of the crowd report's grouped flows
 * (docs/report-screenshot-large.png) when it is missing or UPDATE_SCREENSHOT=1 is set.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupUnexpected, namesByAddress } from '../../src/audit/grouping.js';
import type { AuditResult, UnexpectedGroup } from '../../src/audit/result.js';
import { renderHtml } from '../../src/report/html.js';
import { DIAGRAM_MAX_HEIGHT } from '../../src/report/svg_diagram.js';
import { launchChromium, requireChromium, RUN_BROWSER_TESTS, servePages, type PageServer } from '../support/browser.js';
import { runCli } from '../support/run_cli.js';
import { normalizeUnexpectedGroup } from '../../src/audit/normalize.js';

const PDFTOTEXT = '/usr/bin/pdftotext'; // poppler-utils, with pdfinfo
const LARGE_SCREENSHOT = 'docs/report-screenshot-large.png';
const INV = 'fixtures/ams-lab.inventory.json';

/** The crowd result with 2,000 more unexpected entries: 400 clients outside the inventory on 300 ports of 5 servers. */
function huge(base: AuditResult): AuditResult {
  const extra: UnexpectedGroup[] = [];
  for (let i = 0; i < 2000; i++) {
    const server = `10.0.0.${[2, 3, 10, 40, 41][i % 5]}`;
    const roles = server === '10.0.0.10' ? ['ams-server'] : server === '10.0.0.2' || server === '10.0.0.3' ? ['domain-controller'] : [];
    extra.push(normalizeUnexpectedGroup({
      client: `10.66.${Math.floor(i / 250)}.${(i % 250) + 1}`, server, protocol: i % 9 === 0 ? 'udp' : 'tcp', port: 2000 + (i % 300),
      clientRoles: i % 3 === 0 ? ['web-user'] : [], serverRoles: roles, connections: 1 + (i % 4), packets: 6, bytes: 600,
      outcomes: { answered: 1, refused: 0, unanswered: i % 4 }, states: { SF: 1 }, firstSeen: base.summary.firstSeen!, lastSeen: base.summary.lastSeen!, disabledRules: [],
    }));
  }
  const cmp = (a: UnexpectedGroup, b: UnexpectedGroup): number =>
    a.server.localeCompare(b.server, 'en', { numeric: true }) || a.protocol.localeCompare(b.protocol) || a.port - b.port || a.client.localeCompare(b.client, 'en', { numeric: true });
  const unexpected = [...base.unexpected, ...extra].sort(cmp);
  return { ...base, unexpected, unexpectedByServer: groupUnexpected(unexpected, namesByAddress(base)) };
}

/** Every address box: one line, its text fits its rendered width, inside its cell. Returns the offenders. */
async function wrappedAddresses(page: Page): Promise<string[]> {
  return (await page.evaluate(`[...document.querySelectorAll('.addr')].flatMap((el) => {
    const rects = el.getClientRects();
    const box = el.getBoundingClientRect();
    const cell = el.closest('td');
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 16;
    const bad = rects.length !== 1 || el.scrollWidth > el.clientWidth + 1 || box.height > lineHeight * 1.5 ||
      (cell !== null && box.right > cell.getBoundingClientRect().right + 0.5);
    return bad ? [el.textContent + ' (' + rects.length + ' boxes, ' + el.scrollWidth + '/' + el.clientWidth + ' px)'] : [];
  })`)) as string[];
}

describe.skipIf(!RUN_BROWSER_TESTS)('HTML report layout and print in headless Chromium', () => {
  let ctx: BrowserContext;
  let server: PageServer;
  let hugeUnexpected = 0;
  const reasons = new Map<string, string[]>();

  beforeAll(async () => {
    requireChromium();
    if (!existsSync(PDFTOTEXT)) throw new Error(`${PDFTOTEXT} is missing: apt-get install -y poppler-utils (.ci/run installs it)`);
    const lab = await runCli(['audit', 'fixtures/ams-lab.pcapng', '--inventory', INV, '--format', 'html']);
    const crowd = await runCli(['audit', 'fixtures/crowd.pcapng', '--inventory', INV, '--format', 'html']);
    const crowdJson = JSON.parse((await runCli(['audit', 'fixtures/crowd.pcapng', '--inventory', INV, '--format', 'json'])).stdout) as AuditResult;
    const big = huge(crowdJson);
    hugeUnexpected = big.unexpected.length;
    reasons.set('/huge.html', big.verdictReasons);
    reasons.set('/lab.html', JSON.parse((await runCli(['audit', 'fixtures/ams-lab.pcapng', '--inventory', INV, '--format', 'json'])).stdout).verdictReasons);
    server = await servePages(new Map([['/lab.html', lab.stdout], ['/crowd.html', crowd.stdout], ['/huge.html', renderHtml(big)]]));
    ctx = await launchChromium();
  });

  afterAll(async () => {
    await ctx?.close();
    await server?.close();
  });

  it.each(['/lab.html', '/crowd.html', '/huge.html'])('%s: no address wraps, on screen and in print; the diagram stays under its cap', async (path) => {
    const page = await ctx.newPage();
    await page.goto(server.url(path), { waitUntil: 'load' });
    const count = await page.locator('.addr').count();
    expect(count).toBeGreaterThan(10);
    expect(await wrappedAddresses(page)).toEqual([]);
    const svg = (await page.locator('svg#flow-diagram').boundingBox())!;
    expect(svg.height).toBeLessThanOrEqual(DIAGRAM_MAX_HEIGHT);
    expect(Number(await page.locator('svg#flow-diagram').getAttribute('height'))).toBeLessThanOrEqual(DIAGRAM_MAX_HEIGHT);
    // The print layout: A4 landscape is 297 mm wide, 273 mm inside the margins (≈ 1032 CSS px).
    await page.setViewportSize({ width: 1032, height: 730 });
    await page.emulateMedia({ media: 'print' });
    expect(await wrappedAddresses(page)).toEqual([]);
    // A narrow window squeezes the tables: cells may grow or scroll, addresses still never break.
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 560, height: 730 });
    expect(await wrappedAddresses(page)).toEqual([]);
    await page.close();
  });

  it('the crowd report: grouped rows with top clients, near misses folded, the scan as one finding (and the README screenshot)', async () => {
    const page = await ctx.newPage();
    await page.goto(server.url('/crowd.html'), { waitUntil: 'load' });
    const first = page.locator('#unexpected-table tbody tr').first();
    await expect(first.getAttribute('data-clients')).resolves.toBe('24');
    await expect(first.innerText()).resolves.toMatch(/24 web-user clients in 10\.0\.3\.0\/24[\s\S]*10\.0\.3\.100[\s\S]*\+21 more/);
    await expect(page.locator('#unexpected-table tbody tr').count()).resolves.toBe(3);
    await expect(page.locator('#nearMisses li').count()).resolves.toBe(2);
    await expect(page.locator('#scans').innerText()).resolves.toContain('10.0.9.66 probed 120 ports');
    // The README's screenshot of a report at scale: the grouped unexpected flows.
    await page.evaluate("document.querySelector('#unexpected').scrollIntoView()");
    const shot = join(mkdtempSync(join(tmpdir(), 'fa-shot-')), 'large.png');
    await page.screenshot({ path: shot });
    if (process.env.UPDATE_SCREENSHOT || !existsSync(LARGE_SCREENSHOT)) copyFileSync(shot, LARGE_SCREENSHOT);
    await page.close();
  });

  it('the huge result: 2,000 entries become grouped rows and a diagram of at most 12 unexpected edges', async () => {
    const page = await ctx.newPage();
    await page.goto(server.url('/huge.html'), { waitUntil: 'load' });
    expect(hugeUnexpected).toBeGreaterThan(2000);
    const rows = await page.locator('#unexpected-table tbody tr').count();
    expect(rows).toBeLessThanOrEqual(200);
    await expect(page.locator('#unexpected-more').innerText()).resolves.toMatch(/more groups are not drawn here/);
    expect(await page.locator('g.edge[data-kind="unexpected"]').count()).toBeLessThanOrEqual(12);
    const folded = await page.locator('g.edge[data-kind="unexpected"]').evaluateAll((es) => es.reduce((n, e) => n + Number(e.getAttribute('data-groups')), 0));
    expect(folded).toBe(hugeUnexpected);
    await page.close();
  });

  it.each(['/lab.html', '/huge.html'])('%s printed to PDF: page 1 is the verdict, the figures and the reasons; the diagram is on one page', async (path) => {
    const page = await ctx.newPage();
    await page.goto(server.url(path), { waitUntil: 'load' });
    const dir = mkdtempSync(join(tmpdir(), 'fa-pdf-'));
    const pdf = join(dir, 'report.pdf');
    writeFileSync(pdf, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
    const pageText = (n: number): string => execFileSync(PDFTOTEXT, ['-layout', '-f', String(n), '-l', String(n), pdf, '-'], { encoding: 'utf8' });
    const first = pageText(1);
    expect(first).toContain('flowaudit traffic audit');
    expect(first).toMatch(/\bFAIL\b/);
    expect(first).toMatch(/PACKETS/i);
    expect(first).toMatch(/UNEXPECTED FLOWS/i);
    // Every verdict reason is on page 1 (compared by its opening words: long ones wrap).
    const oneLine = first.replace(/\s+/g, ' ');
    for (const why of reasons.get(path)!) expect(oneLine).toContain(why.slice(0, 40));
    expect(first).not.toContain('Flow diagram');
    // The diagram: its heading, legend and drawing (node names) on one page, nothing of it on the next.
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('/usr/bin/pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
    const texts = Array.from({ length: Math.min(pages, 6) }, (_, i) => pageText(i + 1));
    const at = texts.findIndex((t) => t.includes('Flow diagram'));
    expect(at).toBeGreaterThan(0);
    expect(texts[at]).toContain('ams-server');
    expect(texts[at]).toContain('clients and servers');
    expect(texts[at + 1]).not.toMatch(/Flow diagram|clients and servers/);
    await page.close();
  });
});
