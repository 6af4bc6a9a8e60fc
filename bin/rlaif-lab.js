#!/usr/bin/env node
// `npx rlaif-lab`: run the TypeScript CLI (src/cli/main.ts) in this process through tsx, so a
// clone needs no build step and signals (Ctrl-C, kill) reach the labeling process itself.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
await runCli();
