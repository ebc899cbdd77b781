/**
 * Headless Chromium from Debian (`apt-get install -y chromium`) driven by playwright-core, which
 * downloads no browser of its own. Without /usr/bin/chromium the browser tests skip locally but
 * fail under CI=true, so CI cannot pass without running them.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/**
 * Run the browser tests: always under CI=true or FLOWAUDIT_REQUIRE_BROWSER=1 (.ci/run sets it),
 * where a missing Chromium is a failure; elsewhere only if Chromium is installed.
 */
export const RUN_BROWSER_TESTS = HAVE_CHROMIUM || process.env.CI === 'true' || process.env.FLOWAUDIT_REQUIRE_BROWSER === '1';

export function requireChromium(): void {
  if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
}

export async function launchChromium(): Promise<BrowserContext> {
  requireChromium();
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'fa-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1400 },
    offline: false,
  });
}

/** A loopback HTTP server for a fixed set of pages; records every request it receives. */
export interface PageServer {
  url(path: string): string;
  requests: string[];
  close(): Promise<void>;
}

export async function servePages(pages: Map<string, string>): Promise<PageServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = pages.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
