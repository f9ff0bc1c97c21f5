/**
 * The web client's bundle-size budget (web/build.ts BUNDLE_BUDGET) and its browser path: the build that
 * `ephemera start` serves stays under the budget and pulls in no Node built-in and no `ws`.
 */
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { buildWebClient, BUNDLE_BUDGET } from '../../web/build.js';

describe('web client bundle', () => {
  it('stays within its size budget and has no Node built-in on the browser path', async () => {
    const { files, inputs } = await buildWebClient();
    const js = files.get('app.js')!.body;
    const css = files.get('app.css')!.body;
    const html = files.get('index.html')!.body;
    expect(js.length).toBeLessThanOrEqual(BUNDLE_BUDGET.jsBytes);
    expect(gzipSync(js).length).toBeLessThanOrEqual(BUNDLE_BUDGET.jsGzipBytes);
    expect(css.length).toBeLessThanOrEqual(BUNDLE_BUDGET.cssBytes);
    expect(html.length).toBeLessThanOrEqual(BUNDLE_BUDGET.htmlBytes);
    // The SDK's browser entry, not its Node entry, and nothing of Node's.
    expect(inputs).toContain('client/browser.ts');
    expect(inputs).not.toContain('client/index.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || /node_modules\/(ws|bufferutil|utf-8-validate)\//.test(i))).toEqual([]);
    const text = new TextDecoder().decode(js);
    expect(text).not.toMatch(/\brequire\(|process\.getBuiltinModule\("node:|from"ws"/);
  }, 30_000);
});
