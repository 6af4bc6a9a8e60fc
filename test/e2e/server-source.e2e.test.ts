import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  llamaServerBinary,
  startLlamaServer,
  type RunningLlamaServer,
} from '../support/llama-server';
import { launch, openPage, screenshot } from './browser';
import { batchDone, createProbeRun, go } from './loop';

// The "Server (OpenAI-compatible)" labeler source on the built site, against a REAL llama-server
// loading the embedded tiny Llama as GGUF: detection, a probe on the Label page, a Dataset batch
// whose stored labels equal the embedded ONNX model's, the failure explanations, and the API key
// kept out of every store, the URL and the share link.
const binary = llamaServerBinary();
const missing = 'missing' in binary ? binary.missing : null;
const title = missing
  ? `Server source on a real llama-server (skipped: ${missing})`
  : 'Server source on a real llama-server';

const PAIRS = 12;
const KEY = 'sk-e2e-secret-4f9a';

interface StoredLabel {
  runId: string;
  pairId: string;
  p0: number;
}

function storedLabels(page: Page): Promise<StoredLabel[]> {
  return page.evaluate(
    () =>
      new Promise<StoredLabel[]>((resolve, reject) => {
        const open = indexedDB.open('rlaif-lab-runs');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction('labels').objectStore('labels').getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            type Row = { runId: string; pairId: string; label: { label: [number, number] } };
            resolve(
              (request.result as Row[]).map((r) => ({
                runId: r.runId,
                pairId: r.pairId,
                p0: r.label.label[0],
              })),
            );
            db.close();
          };
        };
      }),
  );
}

/** Everything this origin stored (localStorage, every IndexedDB store, the URL) as one string. */
function everythingStored(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const parts: string[] = [location.href, JSON.stringify({ ...localStorage })];
    parts.push(JSON.stringify({ ...sessionStorage }));
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const open = indexedDB.open(info.name!);
        open.onsuccess = () => ok(open.result);
        open.onerror = () => fail(open.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const rows = await new Promise<unknown[]>((ok, fail) => {
          const request = db.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => ok(request.result as unknown[]);
          request.onerror = () => fail(request.error);
        });
        parts.push(`${info.name}/${name}:${JSON.stringify(rows)}`);
      }
      db.close();
    }
    return parts.join('\n');
  });
}

async function pickServer(page: Page, baseUrl: string): Promise<void> {
  await go(page, '#/label');
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('server');
  await page.getByRole('textbox', { name: 'Server URL' }).fill(baseUrl);
}

/** A pass-through proxy to the real server that can hold new requests, to pause mid-batch. */
async function gatedProxy(target: string) {
  let open = true;
  const waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const forward = () => {
      const upstream = httpRequest(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    };
    if (open) forward();
    else waiting.push(forward);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: () => void (open = false),
    release: () => {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** "done/total" of the open run, as numbers. */
async function count(page: Page): Promise<[number, number]> {
  const text = (await page.getByTestId('batch-count').textContent()) ?? '';
  const [done, total] = text.split('/').map(Number);
  return [done ?? NaN, total ?? NaN];
}

const testMessage = (page: Page) => page.getByTestId('server-test').textContent();

describe.skipIf(missing !== null)(title, { timeout: 300_000 }, () => {
  let browser: Browser;
  let server: RunningLlamaServer;
  const url = inject('appUrl');
  beforeAll(async () => {
    // -fa off: CPU flash attention works in float16 (~1e-2 off the ONNX engine's log-probs).
    [browser, server] = await Promise.all([
      launch(),
      startLlamaServer({ slots: 4, ctx: 4 * 4096, extraArgs: ['-fa', 'off'] }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('detects llama.cpp, labels a probe and a paused and continued Dataset batch equal to the ONNX engine', async () => {
    const proxy = await gatedProxy(server.baseUrl);
    const { page, errors } = await openPage(browser, `${url}#/label`);
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 90_000 })
      .toMatch(/Loaded .*tiny-llama/);
    const first = page.getByTestId('bars-debiased').getByRole('meter').first();
    await expect.poll(() => first.isVisible(), { timeout: 60_000 }).toBe(true);
    const onnxProbe = Number(await first.getAttribute('aria-valuenow'));

    // The reference: the same batch with the embedded ONNX model (WASM, in its worker).
    await createProbeRun(page, PAIRS);
    await page.getByRole('button', { name: `Label ${PAIRS} pairs` }).click();
    await batchDone(page, PAIRS);
    const reference = await storedLabels(page);
    expect(reference).toHaveLength(PAIRS);

    await pickServer(page, server.baseUrl);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect
      .poll(() => testMessage(page))
      .toMatch(/^llama\.cpp llama-server at http:\/\/127\.0\.0\.1:\d+/);
    expect(await testMessage(page)).toContain('GET /props');
    const served = page.getByRole('combobox', { name: 'Served model' });
    const models = await served.locator('option').allTextContents();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatch(/tiny-llama/);
    // The served name is a file name, no Hub id: the tokenizer is left for the user to give.
    const tokenizer = page.getByRole('textbox', { name: 'Tokenizer (Hub id or folder URL)' });
    expect(await tokenizer.inputValue()).toBe('');
    await tokenizer.fill(new URL('models/tiny-llama/', url).href);
    await page.getByRole('button', { name: 'Load from server' }).click();
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 30_000 })
      .toMatch(/Loaded .*tiny-llama.* on llama\.cpp llama-server at http:\/\/127\.0\.0\.1:\d+\./);

    // The Label page's probe, labelled again through the server: the same preference.
    await expect
      .poll(async () => Number(await first.getAttribute('aria-valuenow')), { timeout: 30_000 })
      .toBeCloseTo(onnxProbe, 3);

    // A Dataset batch through the server: progress, IndexedDB saving, the same labels.
    await go(page, '#/dataset');
    await expect
      .poll(() => page.getByTestId('dataset-model').textContent())
      .toMatch(/llama-server at/);
    await page.getByRole('button', { name: 'Use the probe set' }).click();
    await page.getByRole('spinbutton', { name: 'First N pairs' }).fill(String(PAIRS));
    await page.getByRole('button', { name: 'Create run' }).click();
    // Pause mid-batch: the server's answers held until Pause is pressed, so the batch cannot end
    // first; the pairs in flight then finish and are saved.
    proxy.hold();
    await page.getByRole('button', { name: `Label ${PAIRS} pairs` }).click();
    await page.getByRole('button', { name: 'Pause' }).click();
    proxy.release();
    await expect.poll(() => page.getByTestId('batch-status').textContent()).toMatch(/paused/);
    await new Promise((wait) => setTimeout(wait, 1500));
    const paused = (await count(page))[0];
    console.log(`paused after ${paused} of ${PAIRS} pairs`);
    expect(paused).toBeLessThan(PAIRS);
    expect(await storedLabels(page)).toHaveLength(PAIRS + paused); // each one saved as made
    await new Promise((wait) => setTimeout(wait, 500));
    expect((await count(page))[0]).toBe(paused); // nothing runs while paused
    await page.getByRole('button', { name: 'Continue' }).click();
    await batchDone(page, PAIRS);
    await expect.poll(() => page.getByTestId('batch-status').textContent()).toMatch(/complete/);
    const all = await storedLabels(page);
    const refRun = reference[0]!.runId;
    const viaServer = all.filter((l) => l.runId !== refRun);
    expect(viaServer).toHaveLength(PAIRS);
    const byPair = new Map(reference.map((l) => [l.pairId, l.p0]));
    const diffs = viaServer.map((l) => Math.abs(l.p0 - byPair.get(l.pairId)!));
    console.log(`server vs ONNX stored p0: max |diff| ${Math.max(...diffs).toExponential(2)}`);
    for (const d of diffs) expect(d).toBeLessThan(1e-3);
    await screenshot(page, 'server-source-dataset');
    expect(errors).toEqual([]);
    await proxy.close();
  });

  it('explains a refused host (CSP) and an unreachable server (CORS/network)', async () => {
    const { page } = await openPage(browser, `${url}#/label`);
    await pickServer(page, 'http://192.0.2.7:8000');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => testMessage(page)).toMatch(/Content-Security-Policy/);
    expect(await testMessage(page)).toContain('RLAIF_MODEL_HOSTS=http://192.0.2.7:8000');
    // Loading without a test says the same, in the model status.
    await page
      .getByRole('textbox', { name: 'Tokenizer (Hub id or folder URL)' })
      .fill('Qwen/Qwen3-0.6B');
    await page.getByRole('button', { name: 'Load from server' }).click();
    await expect
      .poll(() => page.getByTestId('model-status').textContent())
      .toMatch(/Content-Security-Policy \(connect-src\) does not list http:\/\/192\.0\.2\.7:8000/);

    // A closed port on this machine: allowed by the CSP, nothing answers.
    const closed = `http://127.0.0.1:${server.port === 9 ? 10 : 9}`;
    await page.getByRole('textbox', { name: 'Server URL' }).fill(closed);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => testMessage(page), { timeout: 20_000 }).toMatch(/Could not reach/);
    const text = (await testMessage(page)) ?? '';
    expect(text).toMatch(/CORS/);
    expect(text).toContain('--allowed-origins');
    expect(text).toContain('OLLAMA_ORIGINS');
  });

  it('asks for a missing key, sends a given one, and keeps it out of storage, the URL and the share link', async () => {
    const keyed = await startLlamaServer({ slots: 1, ctx: 2048, extraArgs: ['--api-key', KEY] });
    try {
      const { page } = await openPage(browser, `${url}#/label`);
      await expect
        .poll(() => page.getByTestId('model-status').textContent(), { timeout: 90_000 })
        .toMatch(/Loaded .*tiny-llama/);
      await pickServer(page, keyed.baseUrl);
      await page.getByRole('button', { name: 'Test connection' }).click();
      await expect.poll(() => testMessage(page)).toMatch(/HTTP 401: the server wants an API key/);
      const key = page.getByLabel('API key (optional)');
      expect(await key.getAttribute('type')).toBe('password');
      await key.fill(KEY);
      await page.getByRole('button', { name: 'Test connection' }).click();
      // The key goes as a Bearer token (llama.cpp's CORS preflight allows the header).
      await expect.poll(() => testMessage(page)).toMatch(/^llama\.cpp llama-server at /);
      await page
        .getByRole('textbox', { name: 'Tokenizer (Hub id or folder URL)' })
        .fill(new URL('models/tiny-llama/', url).href);
      await page.getByRole('button', { name: 'Load from server' }).click();
      await expect
        .poll(() => page.getByTestId('model-status').textContent(), { timeout: 30_000 })
        .toMatch(/on llama\.cpp llama-server at/);
      // The probe is labelled through the keyed server (every /completion needs the key).
      const meter = page.getByTestId('bars-debiased').getByRole('meter').first();
      await expect
        .poll(async () => Number(await meter.getAttribute('aria-valuenow')), { timeout: 30_000 })
        .toBeGreaterThan(0);
      expect(keyed.log()).toMatch(/processing task/);
      await page.getByRole('button', { name: 'Copy share link' }).click();
      const share = page.getByTestId('share-url');
      await share.waitFor();
      const link = (await share.inputValue().catch(() => share.textContent())) ?? '';
      expect(link).toMatch(/#\/label/);
      expect(link).not.toContain(KEY);
      expect(await everythingStored(page)).not.toContain(KEY);
    } finally {
      await keyed.stop();
    }
  });
});
