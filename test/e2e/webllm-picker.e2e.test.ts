import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { modelFilesBase } from '../../src/lib/engines/webllm/custom-model';
import { launch, openPage, screenshot } from './browser';

// The web-llm source of the model picker on the built app, in headless Chromium whose WebGPU is
// SwiftShader without shader-f16. No model host is reachable here (and the test blocks them, so it
// behaves the same on a machine that is online): loads must fail with a clear message, not hang.
const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const MODEL_HOSTS = /^https:\/\/([\w-]+\.)*(huggingface\.co|hf\.co|raw\.githubusercontent\.com)\//;

async function blockModelHosts(page: Page): Promise<void> {
  await page.route(MODEL_HOSTS, (route) => route.abort('internetdisconnected'));
}

/** Store a fake one-shard copy of a model where web-llm's hasModelInCache looks for it. */
async function seedWebLlmCache(page: Page, modelId: string): Promise<void> {
  const record = prebuiltAppConfig.model_list.find((r) => r.model_id === modelId)!;
  const base = modelFilesBase(record.model);
  await page.evaluate(async (folder) => {
    const cache = await caches.open('webllm/model');
    const manifest = { records: [{ dataPath: 'params_shard_0.bin' }] };
    await cache.put(new URL('tensor-cache.json', folder).href, Response.json(manifest));
    await cache.put(new URL('params_shard_0.bin', folder).href, new Response(new Uint8Array(8)));
  }, base);
}

const row = (page: Page, modelId: string) =>
  page.locator(`[data-testid="webllm-row"][data-model-id="${modelId}"]`);
const modelSelect = (page: Page) => page.getByRole('combobox', { name: 'Model', exact: true });

async function waitForEmbedded(page: Page): Promise<void> {
  await expect
    .poll(() => page.getByTestId('model-status').textContent(), { timeout: 60_000 })
    .toMatch(/Loaded .*tiny-llama/);
}

/** Console noise a failed download makes by design; anything else is a bug. */
const unexpected = (errors: string[]) =>
  errors.filter((e) => !/Failed to load resource|net::ERR_|404/.test(e));

describe('web-llm in the model picker', { timeout: 240_000 }, () => {
  let browser: Browser;
  const url = inject('appUrl');
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => browser?.close());

  it('lists f32 builds, disables f16 ones with the reason, shows and deletes cached models, and fails a load cleanly offline', async () => {
    const { page, errors } = await openPage(browser, `${url}#/label`);
    await blockModelHosts(page);
    await waitForEmbedded(page);
    await seedWebLlmCache(page, MODEL);

    await modelSelect(page).selectOption({ label: 'web-llm (MLC, WebGPU)' });
    await expect
      .poll(() => page.getByTestId('webllm-row').count(), { timeout: 30_000 })
      .toBeGreaterThan(10);
    expect(await page.getByText('only f32 builds (q4f32, q0f32) run here').isVisible()).toBe(true);

    // Only non-f16 builds are selectable; every f16 one says why.
    const rows = await page.getByTestId('webllm-row').all();
    let f16Rows = 0;
    for (const r of rows) {
      const id = (await r.getAttribute('data-model-id'))!;
      const radio = r.getByRole('radio');
      if (/f16/.test(id)) {
        f16Rows++;
        expect(await radio.isDisabled(), id).toBe(true);
        expect(await r.textContent()).toContain('Needs shader-f16');
      } else {
        expect(await radio.isEnabled(), id).toBe(true);
      }
    }
    expect(f16Rows).toBeGreaterThan(5);
    const chosen = page.getByRole('radio', { name: MODEL });
    expect(await chosen.isChecked()).toBe(true); // the smallest recommended build
    expect(await row(page, MODEL).textContent()).toMatch(/recommended.*≈ 580 MB VRAM/);

    // Cache statuses: "checking…" resolves to "cached" for the seeded copy, "not cached" elsewhere.
    const statuses = page.getByTestId('cache-status');
    await expect
      .poll(async () => (await statuses.allTextContents()).filter((t) => t === 'checking…').length)
      .toBe(0);
    const cacheOf = (id: string) => row(page, id).getByTestId('cache-status').textContent();
    expect(await cacheOf(MODEL)).toBe('cached');
    const texts = await statuses.allTextContents();
    expect(texts.filter((t) => t === 'not cached')).toHaveLength(texts.length - 1);

    // Delete from cache asks first, then removes the copy.
    await page.getByRole('button', { name: `Delete ${MODEL} from cache` }).click();
    const confirm = page.getByRole('group', { name: `Confirm deleting ${MODEL}` });
    await confirm.getByRole('button', { name: 'Keep' }).click();
    expect(await cacheOf(MODEL)).toBe('cached');
    await page.getByRole('button', { name: `Delete ${MODEL} from cache` }).click();
    await confirm.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => cacheOf(MODEL)).toBe('not cached');
    // web-llm deletes the weight shards (and tokenizer, wasm, config); it leaves the small
    // tensor-cache.json manifest behind, which alone does not count as cached.
    const left = await page.evaluate(async () =>
      (await (await caches.open('webllm/model')).keys()).map((r) => r.url),
    );
    expect(left.filter((u) => u.endsWith('params_shard_0.bin'))).toEqual([]);

    // Loading needs the model host: the load fails with a network message, within a bound.
    await page.getByRole('radio', { name: 'SmolLM2-135M-Instruct-q0f32-MLC' }).check();
    await page.getByRole('button', { name: 'Load web-llm model' }).click();
    const status = page.getByTestId('model-status');
    await expect
      .poll(() => status.textContent(), { timeout: 90_000 })
      .toMatch(/Could not download tokenizer\.json .*the network is down, the host is unreachable/);
    expect(await page.getByRole('button', { name: 'Load web-llm model' }).isEnabled()).toBe(true);
    await screenshot(page, 'webllm-picker');

    // The app stays usable: back to the embedded model, and it labels an edited pair.
    await modelSelect(page).selectOption({
      label: 'Embedded tiny model (offline, random weights)',
    });
    await page.getByRole('button', { name: 'Load model', exact: true }).click();
    await waitForEmbedded(page);
    const meters = page.getByTestId('bars-debiased').getByRole('meter');
    await expect.poll(() => meters.count(), { timeout: 60_000 }).toBe(2);
    const before = await meters.first().getAttribute('aria-valuenow');
    await page
      .getByRole('textbox', { name: 'Summary 1' })
      .fill('A wholly new summary about trains, snow and a lost umbrella.');
    await expect
      .poll(() => meters.first().getAttribute('aria-valuenow'), { timeout: 90_000 })
      .not.toBe(before);
    expect(unexpected(errors)).toEqual([]);
  });

  it('checks custom model URLs, and says how to fill models/mlc/<id>/ when it is empty', async () => {
    const { page, errors } = await openPage(browser, `${url}#/label`);
    await blockModelHosts(page);
    await waitForEmbedded(page);
    await modelSelect(page).selectOption({ label: 'web-llm (MLC, WebGPU)' });
    await page.getByText('Custom or self-hosted web-llm model').click();

    // A copy the app serves itself: this build has none, so the load says how to make one.
    await page.getByLabel('Model id', { exact: true }).fill(MODEL);
    await page.getByRole('button', { name: 'Load custom model' }).click();
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 60_000 })
      .toMatch(
        new RegExp(
          `tokenizer\\.json was not found at .*models/mlc/${MODEL}/tokenizer\\.json \\(404\\).*` +
            `npm run models:fetch -- ${MODEL}`,
        ),
      );

    // Any URL: what is wrong is said next to each field, and nothing is loaded.
    await page.getByLabel('From a URL (any MLC model)').check();
    await page.getByLabel('Model URL (folder with mlc-chat-config.json)').fill('not a url');
    await page.getByLabel('Model library URL (.wasm)').fill('https://models.example.org/m/lib.js');
    await page.getByLabel('Model id', { exact: true }).fill('My-q4f32_1-MLC');
    await page.getByRole('button', { name: 'Load custom model' }).click();
    const alerts = page.getByRole('form', { name: 'Custom web-llm model' }).getByRole('alert');
    await expect.poll(() => alerts.allTextContents()).toHaveLength(2);
    const [urlError, libError] = await alerts.allTextContents();
    expect(urlError).toMatch(/"not a url" is not a URL/);
    expect(libError).toMatch(/compiled \.wasm file/);
    expect(await page.getByLabel('Model library URL (.wasm)').getAttribute('aria-invalid')).toBe(
      'true',
    );

    // A host this build's Content-Security-Policy does not allow: say how to allow it.
    await page
      .getByLabel('Model URL (folder with mlc-chat-config.json)')
      .fill('https://models.example.org/m/');
    await page
      .getByLabel('Model library URL (.wasm)')
      .fill('https://models.example.org/m/lib.wasm');
    await page.getByRole('button', { name: 'Load custom model' }).click();
    await expect
      .poll(() => alerts.allTextContents())
      .toEqual([
        'This build may not download from https://models.example.org. Rebuild the app with ' +
          'RLAIF_MODEL_HOSTS="https://models.example.org" npm run build, or serve the model from this site.',
      ]);
    expect(unexpected(errors)).toEqual([]);
  });

  it('without WebGPU, offers web-llm disabled with a plain explanation', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }),
    );
    const page = await context.newPage();
    await page.goto(`${url}#/label`);
    await waitForEmbedded(page);
    const option = modelSelect(page).locator('option', { hasText: 'web-llm' });
    expect(await option.textContent()).toBe('web-llm (MLC, WebGPU) (needs WebGPU)');
    expect(await option.isDisabled()).toBe(true);
    expect(await page.getByTestId('webllm-unavailable').textContent()).toMatch(
      /run only on WebGPU, and this browser has none \(This browser does not expose WebGPU/,
    );
    await context.close();
  });
});
