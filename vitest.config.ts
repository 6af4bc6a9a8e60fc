import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig } from 'vitest/config';
import { CHROMIUM_ARGS, ChromiumMissingError, findChromium } from './scripts/chromium.ts';
import viteConfig from './vite.config.ts';

// Three levels, one run: unit tests in Node, browser tests in real headless Chromium (WebGPU via
// SwiftShader), and end-to-end tests that drive the built app. `npm test` runs them all.
function chromiumOrExit(): string {
  try {
    return findChromium();
  } catch (error) {
    if (!(error instanceof ChromiumMissingError)) throw error;
    console.error(error.message); // one line, not a stack trace
    process.exit(1);
  }
}
const onlyUnit = process.argv.includes('unit');
const executablePath = onlyUnit ? '' : chromiumOrExit();

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            environment: 'node',
            // Model tests run real inference: generous limits keep a loaded machine from flaking.
            testTimeout: 60_000,
            hookTimeout: 60_000,
            include: ['test/**/*.test.ts'],
            exclude: ['test/**/*.browser.test.ts', 'test/e2e/**'],
          },
        },
        {
          extends: true,
          // A local MLC model for the web-llm end-to-end test (skipped, with the reason, if unset).
          define: { __RLAIF_MLC_MODEL__: JSON.stringify(process.env.RLAIF_MLC_MODEL ?? '') },
          // Pre-bundle every dependency browser tests reach, up front: one found mid-run makes
          // Vite re-optimise and reload, and a test importing the old bundle then fails.
          optimizeDeps: {
            include: [
              '@observablehq/plot',
              'idb',
              'onnxruntime-web',
              'onnxruntime-web/webgpu',
              'onnx-proto',
              '@huggingface/tokenizers',
              '@huggingface/jinja',
              '@mlc-ai/web-llm',
              'papaparse',
            ],
          },
          test: {
            name: 'browser',
            include: ['test/**/*.browser.test.ts'],
            // WebGPU here is SwiftShader on 2 cores: one file at a time, and room for shader builds.
            testTimeout: 180_000,
            fileParallelism: false,
            browser: {
              enabled: true,
              headless: true,
              screenshotFailures: false,
              provider: playwright({ launchOptions: { executablePath, args: CHROMIUM_ARGS } }),
              instances: [{ browser: 'chromium' }],
            },
          },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            environment: 'node',
            include: ['test/e2e/**/*.e2e.test.ts'],
            globalSetup: ['test/e2e/global-setup.ts'],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
      ],
    },
  }),
);
