// Builds the app once (as `npm run build` does) and serves dist/ under a sub-path for every e2e test.
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { serveStatic } from './static-server';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
  }
}

export default async function setup(project: TestProject) {
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir: 'dist' } });
  const server = await serveStatic('dist', '/rlaif-lab/');
  project.provide('appUrl', server.url);
  return () => server.close();
}
