/**
 * The HTML report in a real browser (Debian's headless Chromium through playwright-core): the
 * bundled lab's report shows its verdict, diagram and tables, loads nothing but itself, prints to
 * PDF, and yields the README screenshot; a report built from hostile user files runs no script,
 * shows the payloads as text, and its CSV neutralises the formula.
 *
 * The screenshot is written to a temporary file on every run and copied to
 * docs/report-screenshot.png when that file is missing or UPDATE_SCREENSHOT=1 is set (so a test
 * run leaves the tree clean; fonts differ from machine to machine).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, RUN_BROWSER_TESTS, servePages, type PageServer } from '../support/browser.js';
import { DNS_NAME, FORMULA, HOST_SHOWN, hostileCase, IMG, SCRIPT, SNI_SHOWN } from '../support/hostile.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';
const SCREENSHOT = 'docs/report-screenshot.png';

interface Watched {
  page: Page;
  dialogs: string[];
  consoleErrors: string[];
  pageErrors: string[];
  foreign: string[];
  requested: string[];
}

/** Open `url` with every request, dialog and console error recorded; anything but `url` is aborted. */
async function open(ctx: BrowserContext, url: string): Promise<Watched> {
  const page = await ctx.newPage();
  const w: Watched = { page, dialogs: [], consoleErrors: [], pageErrors: [], foreign: [], requested: [] };
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('request', (r) => w.requested.push(r.url()));
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    w.foreign.push(u);
    return route.abort();
  });
  const resp = await page.goto(url, { waitUntil: 'load' });
  expect(resp?.status()).toBe(200);
  return w;
}

describe.skipIf(!RUN_BROWSER_TESTS)('HTML report in headless Chromium', () => {
  let ctx: BrowserContext;
  let server: PageServer;
  let labJson: {
    verdict: string;
    rules: { id: string; status: string }[];
    unexpected: unknown[];
    inputs: unknown[];
    inventory: { roles: Record<string, string[]> };
    evidence: { resultSha256: string };
  };
  const hostile = RUN_BROWSER_TESTS ? hostileCase() : null;
  let hostileCsv = '';

  beforeAll(async () => {
    requireChromium(); // under CI=true without Chromium: fail here, never skip
    const html = await runCli(['audit', LAB, '--inventory', INV, '--format', 'html']);
    expect(html.code).toBe(1);
    labJson = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'html', '--output', 'x', '--format', 'json'])).files.get('x') as string);
    const h = hostile!;
    const args = ['audit', h.capture, '--matrix', h.matrix, '--inventory', h.inventory];
    const bad = await runCli([...args, '--format', 'html']);
    expect(bad.stderr).toBe('');
    hostileCsv = (await runCli([...args, '--format', 'csv'])).stdout;
    const noInventory = await runCli(['audit', LAB, '--format', 'html']);
    expect(noInventory.code).toBe(3);
    server = await servePages(new Map([['/lab.html', html.stdout], ['/hostile.html', bad.stdout], ['/inconclusive.html', noInventory.stdout]]));
    ctx = await launchChromium();
  });

  afterAll(async () => {
    await ctx?.close();
    await server?.close();
  });

  it('shows the verdict, the diagram (nodes and edges) and the tables of the bundled lab', async () => {
    const w = await open(ctx, server.url('/lab.html'));
    const page = w.page;
    await expect(page.locator('#verdict').innerText()).resolves.toBe('FAIL');
    expect(labJson.verdict).toBe('fail');
    await expect(page.locator('header').innerText()).resolves.toContain('required rule ams-global-catalog failed');

    // Diagram: one node per role in the drawing, one edge per rule and per unexpected group.
    const svg = page.locator('svg#flow-diagram');
    await expect(svg.isVisible()).resolves.toBe(true);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    const roles = await page.locator('svg#flow-diagram g.node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-role')));
    for (const role of ['ams-server', 'domain-controller', 'global-catalog', 'web-user', 'sql-server']) expect(roles).toContain(role);
    const amsNode = await page.locator('g.node[data-role="ams-server"]').innerHTML();
    for (const member of labJson.inventory.roles['ams-server']!) expect(amsNode).toContain(member);
    await expect(page.locator('g.edge[data-kind="rule"]').count()).resolves.toBe(labJson.rules.length);
    await expect(page.locator('g.edge[data-kind="unexpected"]').count()).resolves.toBe(labJson.unexpected.length);
    await expect(page.locator('g.edge[data-rule="ams-global-catalog"]').getAttribute('data-status')).resolves.toBe('failed');
    await expect(page.locator('g.edge[data-rule="ams-sql"]').getAttribute('data-status')).resolves.toBe('not-applicable');
    await expect(page.locator('g.edge[data-rule="ams-ldap"]').getAttribute('data-status')).resolves.toBe('observed');
    const failedStroke = await page.locator('g.edge[data-rule="ams-global-catalog"] path').getAttribute('stroke');
    const unexpectedStroke = await page.locator('g.edge[data-kind="unexpected"] path').first().getAttribute('stroke');
    const observedStroke = await page.locator('g.edge[data-rule="ams-ldap"] path').getAttribute('stroke');
    expect(new Set([failedStroke, unexpectedStroke, observedStroke]).size).toBe(3);

    // Tables.
    await expect(page.locator('#rules-table tbody tr').count()).resolves.toBe(labJson.rules.length);
    await expect(page.locator('#rules-table tr[data-rule="ams-global-catalog"] .status').innerText()).resolves.toBe('failed');
    // Page 1's one line per rule, in the JSON's status words.
    await expect(page.locator('#rule-status tbody tr').count()).resolves.toBe(labJson.rules.length);
    await expect(page.locator('#rule-status tr[data-rule="ams-global-catalog"] td.status').innerText()).resolves.toBe('failed');
    await expect(page.locator('#unexpected-table tbody tr').count()).resolves.toBe(labJson.unexpected.length);
    await expect(page.locator('#inputs-table tbody tr').first().innerText()).resolves.toContain('fixtures/ams-lab.pcapng');
    await expect(page.locator('#capture-facts').innerText()).resolves.toContain('Decode problems');
    await expect(page.locator('#result-sha256').innerText()).resolves.toMatch(/^[0-9a-f]{64}$/);
    await expect(page.locator('#evidence').innerText()).resolves.toContain('flowaudit audit fixtures/ams-lab.pcapng');

    // Nothing but the page itself was requested, nothing ran, the CSP was not violated.
    expect(w.foreign).toEqual([]);
    expect(w.requested).toEqual([server.url('/lab.html')]);
    expect(server.requests.filter((u) => u !== '/lab.html' && u !== '/favicon.ico')).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
    expect(w.pageErrors).toEqual([]);
    await expect(page.locator('script').count()).resolves.toBe(0);

    // Screenshot for the README, and the print path (A4 landscape PDF).
    const dir = mkdtempSync(join(tmpdir(), 'fa-shot-'));
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1280);
    if (process.env.UPDATE_SCREENSHOT || !existsSync(SCREENSHOT)) {
      mkdirSync('docs', { recursive: true });
      copyFileSync(shot, SCREENSHOT);
    }
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.close();
  });

  it('inconclusive is a neutral, clearly labelled banner; partial rules show as their own state in the table and the diagram', async () => {
    const w = await open(ctx, server.url('/inconclusive.html'));
    const page = w.page;
    await expect(page.locator('#verdict').innerText()).resolves.toBe('INCONCLUSIVE');
    await expect(page.locator('header.verdict-inconclusive').count()).resolves.toBe(1);
    await expect(page.locator('header').innerText()).resolves.toContain('no inventory given');
    const colours = await page.evaluate("(() => { const s = getComputedStyle(document.querySelector('header.verdict')); return [s.borderTopColor, s.borderTopStyle]; })()");
    expect(colours).toEqual(['rgb(84, 110, 122)', 'dashed']); // grey, dashed: neither pass green nor fail red
    expect(w.pageErrors).toEqual([]);
    const lab = (await open(ctx, server.url('/lab.html'))).page;
    await expect(lab.locator('tr[data-rule="ams-cldap"] td.status').first().innerText()).resolves.toBe('partial');
    await expect(lab.locator('svg#flow-diagram [data-rule="ams-rpc-epm"][data-status="partial"]').count()).resolves.toBeGreaterThan(0);
    await expect(lab.locator('header').innerText()).resolves.toContain('required rule ams-rpc-epm partial: dc2 (10.0.0.3) tcp/135 unanswered');
  });

  it('hostile matrix, inventory, file names and packet names (DNS, SNI, Host): no script runs, the text shows literally', async () => {
    const w = await open(ctx, server.url('/hostile.html'));
    const page = w.page;
    const text = await page.locator('body').innerText();
    for (const payload of [SCRIPT, IMG, FORMULA]) expect(text).toContain(payload);
    // The same payloads taken from packets: a DNS answer, TLS SNI and HTTP Host (inert text).
    for (const name of [DNS_NAME, SNI_SHOWN, HOST_SHOWN]) expect(text).toContain(name);
    expect(await page.title()).toContain(SCRIPT);
    await expect(page.locator('script').count()).resolves.toBe(0);
    await expect(page.locator('img').count()).resolves.toBe(0);
    // A string expression: the type-checked code has no DOM typings.
    const handlers = (await page.evaluate(
      "[...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => el.tagName + ' ' + a.name))",
    )) as string[];
    expect(handlers).toEqual([]);
    expect(w.dialogs).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
    expect(w.pageErrors).toEqual([]);
    expect(w.foreign).toEqual([]);
    await page.close();

    // The same payload in CSV: the formula cell starts with an apostrophe.
    expect(hostileCsv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(hostileCsv).not.toMatch(/(^|,)"?=HYPERLINK/m);
  });
});
