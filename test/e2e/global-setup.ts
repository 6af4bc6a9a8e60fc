// Builds the app once (as `npm run build` does) and serves it under a sub-path for every e2e test.
// E2E_OUT_DIR builds elsewhere than dist/, so two e2e runs at once do not overwrite each other.
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { serveStatic } from './static-server';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const outDir = process.env.E2E_OUT_DIR || 'dist';
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir } });
  const server = await serveStatic(outDir, '/rlaif-lab/');
  project.provide('appUrl', server.url);
  return () => server.close();
}
