/**
 * Browser-test helpers: Debian's Chromium driven by playwright-core (never Playwright's own browser download),
 * `ephemera start` as a real child process, and page helpers that wait on the page's own state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { EPHEMERA_BIN } from '../helpers/relay-process.js';

export const CHROMIUM = process.env.EPHEMERA_CHROMIUM ?? '/usr/bin/chromium';

/** Flags: headless as root in CI (no sandbox), no GPU, fake camera/microphone/screen that need no prompt. */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Pages in background tabs must keep their timers and media running.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--autoplay-policy=no-user-gesture-required',
]);

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
}

/** A running `ephemera start` and what it printed. */
export interface Started {
  readonly child: ChildProcess;
  readonly relayUrl: string;
  readonly inviteUrl: string;
  /** The printed link that opens a new development meeting as host. */
  readonly hostLink: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<number | null>;
}

export async function startEphemera(dataDir: string, extra: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [EPHEMERA_BIN, 'start', '--port', '0', '--admin-port', '0', '--invite-port', '0', '--data-dir', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (out.includes('Try: npx ephemera demo')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`ephemera start exited (${code}):\n${out}\n${err}`)));
  });
  const hostLink = /^(http:\/\/\S+\/join#host-key=\S+)$/m.exec(out)?.[1];
  if (hostLink === undefined) throw new Error(`ephemera start printed no host link:\n${out}`);
  return {
    child,
    relayUrl: /relay\s+(ws:\/\/\S+)/.exec(out)![1]!,
    inviteUrl: /invite service\s+(http:\/\/\S+)/.exec(out)![1]!,
    hostLink,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Opens a link, waits for the prejoin view, and optionally joins. */
export async function openLink(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.waitForSelector('[data-state="prejoin"] #join-button');
  // The preview and the device lists are filled once the (fake) devices answered.
  await page.waitForFunction(() => (document.querySelector('#camera-select') as HTMLSelectElement | null)?.options.length !== 0);
}

export async function join(page: Page): Promise<string> {
  await page.click('#join-button');
  await page.waitForSelector('.meeting[data-state="meeting"], [data-state="refused"], [data-state="lost"], [data-state="problem"]');
  const state = await page.$eval('#app > *', (el) => (el as HTMLElement).dataset.state ?? '');
  if (state !== 'meeting') throw new Error(`the page did not join: ${state}: ${await page.textContent('#app')}`);
  return page.$eval('.meeting', (el) => (el as HTMLElement).dataset.you ?? '');
}

/** The host's page creates an invitation link for `name` through the invite service API. */
export async function createInviteLink(host: Page, role: 'attendee' | 'presenter' | 'host', name: string): Promise<string> {
  await host.fill('#invite-name', name);
  await host.selectOption('#invite-role', role);
  await host.click('.invite-panel button[type="submit"]');
  const field = await host.waitForSelector(`input.invite-link[data-name="${name}"]`);
  return field.inputValue();
}

/** A coarse fingerprint of a tile's canvas: size, how much of it is not near-black, and a hash of sampled pixels. */
export interface CanvasSample {
  readonly width: number;
  readonly height: number;
  readonly lit: number;
  readonly colours: number;
  readonly hash: number;
}

export function tileSelector(participantId: string, source: 'camera' | 'screen'): string {
  return `.tile[data-participant="${participantId}"][data-source="${source}"]`;
}

export async function sampleCanvas(page: Page, selector: string): Promise<CanvasSample> {
  return page.$eval(`${selector} canvas`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let lit = 0;
    let hash = 0;
    const colours = new Set<number>();
    let n = 0;
    for (let i = 0; i < d.length; i += 4 * 7) {
      const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
      if (r + g + b > 48) lit++;
      colours.add((r >> 4) * 256 + (g >> 4) * 16 + (b >> 4));
      hash = (Math.imul(hash, 31) + r * 65536 + g * 256 + b) >>> 0;
      n++;
    }
    return { width: canvas.width, height: canvas.height, lit: lit / Math.max(1, n), colours: colours.size, hash };
  });
}

/** Waits until a tile has decoded `frames` video frames. */
export async function waitForVideo(page: Page, selector: string, frames = 5, timeout = 60_000): Promise<void> {
  await page.waitForFunction(([sel, n]) => Number((document.querySelector(sel as string) as HTMLElement | null)?.dataset.videoFrames ?? 0) >= (n as number), [selector, frames] as const, { timeout });
}

/** Waits until a tile has decoded `frames` audio frames. */
export async function waitForAudio(page: Page, selector: string, frames = 20, timeout = 60_000): Promise<void> {
  await page.waitForFunction(([sel, n]) => Number((document.querySelector(sel as string) as HTMLElement | null)?.dataset.audioFrames ?? 0) >= (n as number), [selector, frames] as const, { timeout });
}

/** Asserts-by-waiting that a tile shows decoded, non-blank, changing video: two samples, different pictures. */
export async function expectLiveVideo(page: Page, selector: string): Promise<{ first: CanvasSample; second: CanvasSample }> {
  await waitForVideo(page, selector, 3);
  const first = await sampleCanvas(page, selector);
  const framesAtFirst = Number(await page.$eval(selector, (el) => (el as HTMLElement).dataset.videoFrames));
  await waitForVideo(page, selector, framesAtFirst + 3);
  // The fake devices animate; a different frame draws different pixels.
  await page.waitForFunction(
    ([sel, h]) => {
      const canvas = document.querySelector(`${sel} canvas`) as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let hash = 0;
      for (let i = 0; i < d.length; i += 4 * 7) hash = (Math.imul(hash, 31) + d[i]! * 65536 + d[i + 1]! * 256 + d[i + 2]!) >>> 0;
      return hash !== h;
    },
    [selector, first.hash] as const,
    { timeout: 30_000 },
  );
  const second = await sampleCanvas(page, selector);
  return { first, second };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A violation axe-core reports, reduced to what a failure message needs. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core (WCAG 2 A/AA rules and best practices) on the page as it is and returns its serious and
 * critical violations. axe is evaluated through the DevTools protocol, so the page's CSP stays on.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE};0`);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target.join(' '))) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
