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

/**
 * The lab result with 11 more unexpected flows from the AMS server to the domain controllers, each
 * on its own port: 16 port labels end at one node (the "many ports to one role").
 */
function manyPorts(base: AuditResult): AuditResult {
  const extra: UnexpectedGroup[] = Array.from({ length: 11 }, (_, i) => normalizeUnexpectedGroup({
    client: '10.0.0.10', server: i % 2 ? '10.0.0.3' : '10.0.0.2', protocol: 'tcp', port: 5000 + i * 111,
    clientRoles: ['ams-server'], serverRoles: ['domain-controller'], connections: 1, packets: 4, bytes: 300,
    outcomes: { answered: 1, refused: 0, unanswered: 0 }, states: { SF: 1 }, firstSeen: base.summary.firstSeen!, lastSeen: base.summary.lastSeen!, disabledRules: [],
  }));
  const unexpected = [...base.unexpected, ...extra];
  return { ...base, unexpected, unexpectedByServer: groupUnexpected(unexpected, namesByAddress(base)) };
}

/** Pairs of text boxes in the diagram that overlap (labels, node names, members), by their rendered boxes. */
async function overlappingDiagramText(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const ts = [...document.querySelectorAll('svg#flow-diagram text')].map((t) => ({ t: t.textContent, b: t.getBoundingClientRect() }));
    const out = [];
    for (let i = 0; i < ts.length; i++) for (let j = i + 1; j < ts.length; j++) {
      const a = ts[i].b, b = ts[j].b;
      const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left), oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ox > 0.5 && oy > 0.5) out.push(ts[i].t + ' / ' + ts[j].t);
    }
    return out;
  })()`)) as string[];
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
  let labRules: string[] = [];
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
    const labJson = JSON.parse((await runCli(['audit', 'fixtures/ams-lab.pcapng', '--inventory', INV, '--format', 'json'])).stdout) as AuditResult;
    labRules = labJson.rules.map((x) => x.id);
    server = await servePages(new Map([['/lab.html', lab.stdout], ['/crowd.html', crowd.stdout], ['/huge.html', renderHtml(big)], ['/many-ports.html', renderHtml(manyPorts(labJson))]]));
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

  it.each(['/lab.html', '/crowd.html', '/huge.html', '/many-ports.html'])('%s: no two text boxes of the diagram overlap (port labels, role names, members)', async (path) => {
    const page = await ctx.newPage();
    await page.goto(server.url(path), { waitUntil: 'load' });
    const labels = await page.locator('svg#flow-diagram text.port').count();
    expect(labels).toBeGreaterThan(path === '/many-ports.html' ? 20 : 5);
    expect(await overlappingDiagramText(page)).toEqual([]);
    if (path === '/many-ports.html') {
      const atDc = await page.locator('g.edge[data-kind="unexpected"]').count();
      expect(atDc).toBeGreaterThanOrEqual(12);
    }
    await page.close();
  });

  it('the 17-rule lab prints in at most 6 pages; page 1 holds the verdict, the scope with hashes, the reasons and one line per rule', async () => {
    const page = await ctx.newPage();
    await page.goto(server.url('/lab.html'), { waitUntil: 'load' });
    const pdf = join(mkdtempSync(join(tmpdir(), 'fa-pdf-')), 'lab.pdf');
    writeFileSync(pdf, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('/usr/bin/pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
    expect(pages).toBeLessThanOrEqual(6);
    const first = execFileSync(PDFTOTEXT, ['-layout', '-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' });
    expect(first).toMatch(/\bFAIL\b/);
    expect(first).toContain('Rules at a glance (17)');
    for (const id of labRules) expect(first).toContain(id);
    for (const key of ['Input', 'Window', 'Vantage', 'Completeness', 'Matrix', 'Inventory', 'Signer']) expect(first).toMatch(new RegExp(`^\\s*${key}\\b`, 'm'));
    expect(first).toContain('057c276978457c152e4f9acc2d9fb8d8bd461467cc25b2ae2c65ac61b835fad7'); // the capture's sha256
    expect(first).toContain('seed sha256 e3e4713d7d0a" in the matrix version'); // the jargon, explained where it first appears
    // Page 2: what this evidence shows; no status word outside the JSON's vocabulary anywhere.
    const second = execFileSync(PDFTOTEXT, ['-layout', '-f', '2', '-l', '2', pdf, '-'], { encoding: 'utf8' });
    expect(second).toContain('What this evidence shows');
    expect(second).toContain('PCI DSS 4.0 1.3.1');
    const all = execFileSync(PDFTOTEXT, ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(all).not.toContain('optional-not-seen');
    await page.close();
  });
});
