/**
 * `adf ui` in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run)
 * driven by playwright-core. The page is watched during a running embedded Rafka flow (it must
 * show the state dir's counts and follow the records), then a FAILED split is retried with its
 * button. A screenshot goes to $ADF_UI_SCREENSHOT (default: the OS temp dir).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { ADF_BIN, committedRecords } from '../../helpers/adfCli';
import { produce, waitFor } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const CHROMIUM_PATHS = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function chromiumPath(): string {
  const found = CHROMIUM_PATHS.find((p): p is string => p !== undefined && existsSync(p));
  // Not a skip: CI installs chromium (.ci/run); a machine without it must say so loudly.
  if (!found) throw new Error(`no Chromium found (looked at ${CHROMIUM_PATHS.filter(Boolean).join(', ')}): apt-get install chromium, or set CHROMIUM_PATH`);
  return found;
}

function startAdf(args: string[]): ChildProcess {
  return spawn(process.execPath, [ADF_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`adf ui exited (${code}) before printing its URL: ${err}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

const cardCount = (page: Page, status: string) => page.locator(`.card[data-status="${status}"] .n`).innerText();

describe('adf ui in headless Chromium', () => {
  const redis = useRedisServer();
  const { dir: root, cleanup } = tempDir('adf-ui-');
  const stateDir = join(root, 'state');
  let browser: Browser | undefined;
  let run: ChildProcess | undefined;
  let ui: ChildProcess | undefined;

  afterAll(async () => {
    await browser?.close();
    await stop(run);
    await stop(ui);
    cleanup();
  });

  it('shows a running flow, follows it, and its Retry button turns a FAILED split PENDING', async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
    await produce(redis.client, 'clicks:0', 50);
    await produce(redis.client, 'clicks:1', 50);
    run = startAdf(['run', '--source', 'rafka', '--redis-url', redis.url, '--topic', 'clicks', '--partitions', '2', '--sink', 'null', '--state-dir', stateDir, '--name', 'clicks', '--parallelism', '1', '--quiet']);
    await waitFor(() => committedRecords(stateDir) >= 100, 30_000, 'the run to commit the first 100 records');

    ui = startAdf(['ui', '--state-dir', stateDir, '--port', '0', '--redis-url', redis.url]);
    const url = await firstLine(ui);
    const page = await browser.newPage({ viewport: { width: 1200, height: 520 } });
    await page.goto(`${url}?refresh=300`);
    // The counts of the running flow: both partitions held by the run's reader.
    await page.waitForFunction(`document.querySelector('.card[data-status="total"] .n')?.textContent === '2'`);
    expect(await cardCount(page, 'ASSIGNED')).toBe('2');
    expect(await page.locator('#rows tr').count()).toBe(2);
    const api = (await (await fetch(`${url}api/status`)).json()) as { counts: { ASSIGNED: number }; records: number };
    expect(api.counts.ASSIGNED).toBe(2);

    // It refreshes itself while the run goes on: new records show up without a reload.
    await produce(redis.client, 'clicks:0', 30, 50);
    await page.waitForFunction(`Number(document.querySelector('.card:not([data-status]) .n')?.textContent) >= 130`, undefined, { timeout: 30_000 });

    await stop(run);
    // Lag: entries past the committed position of a partition (all 80 of clicks:0 were committed).
    await produce(redis.client, 'clicks:0', 20, 80);
    await page.waitForFunction(`document.querySelector('tr[data-split="clicks:0"] td:nth-child(4)')?.textContent === '20 entries'`, undefined, { timeout: 10_000 });
    // A partition that failed its last attempt (the run is gone, so the state dir is free).
    const store = LocalSplitStore.open(stateDir);
    const { lease } = (await store.claim('clicks:1', 'reader-0', 60_000))!;
    await store.release(lease, 'XREADGROUP failed: NOGROUP (test)', 1);
    store.close();

    const button = page.locator('button[data-retry="clicks:1"]');
    await button.waitFor({ timeout: 10_000 });
    expect(await cardCount(page, 'FAILED')).toBe('1');
    expect(await page.locator('tr[data-split="clicks:1"] .error').innerText()).toContain('NOGROUP');
    // GET /api/status is what `adf status --json` prints (no PENDING split now, so no clock in it).
    const cli = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [ADF_BIN, 'status', '--state-dir', stateDir, '--redis-url', redis.url, '--json'], { env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (e, out) => (e ? reject(e) : resolve(out))),
    );
    expect(await (await fetch(`${url}api/status`)).json()).toEqual(JSON.parse(cli));
    await page.screenshot({ path: process.env.ADF_UI_SCREENSHOT ?? join(tmpdir(), 'adf-ui.png'), fullPage: true });

    await button.click();
    await page.waitForFunction(`document.getElementById('message')?.textContent?.startsWith('retried clicks:1')`);
    await page.waitForFunction(`document.querySelector('tr[data-split="clicks:1"] .status')?.textContent === 'PENDING'`);
    const after = LocalSplitStore.open(stateDir);
    try {
      const row = (await after.get('clicks:1'))!;
      expect(row).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(row.audit!.at(-1)).toContain('adf retry: FAILED → PENDING');
    } finally {
      after.close();
    }
  }, 120_000);
});
