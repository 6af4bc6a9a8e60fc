import { svelte } from '@sveltejs/vite-plugin-svelte';
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy, parseHosts } from './scripts/csp.ts';

// Cross-origin isolation gives SharedArrayBuffer, so onnxruntime-web's WASM EP can use threads.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Put the CSP into the built index.html (a static host may not let us set headers). */
function cspMeta(): Plugin {
  const policy = contentSecurityPolicy(parseHosts(process.env.RLAIF_MODEL_HOSTS));
  return {
    name: 'rlaif-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: policy },
        injectTo: 'head',
      },
    ],
  };
}

/**
 * Ship models/ (the embedded default models) beside the app, so the built site labels offline.
 * The dev server already serves the project root, models/ included.
 */
function copyModels(): Plugin {
  let outDir = 'dist';
  return {
    name: 'rlaif-copy-models',
    apply: 'build',
    configResolved: (config) => void (outDir = resolve(config.root, config.build.outDir)),
    closeBundle: () => cpSync('models', resolve(outDir, 'models'), { recursive: true }),
  };
}

export default defineConfig({
  // Relative base: dist/ works from any static server and under a sub-path (GitHub Pages).
  base: './',
  plugins: [svelte(), cspMeta(), copyModels()],
  server: { headers: isolationHeaders, port: 5173 },
  preview: { headers: isolationHeaders, port: 4173 },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
