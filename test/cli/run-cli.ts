// Running the CLI in tests: in-process through main() with captured streams, or as a child
// process through the same bin file `npx rlaif-lab` runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

export const ENGINE = ['--engine', 'onnx:models/tiny-llama'];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rlaif-cli-'));
}

/** The CLI as its own process (node bin/rlaif-lab.js ...), so it can be killed for real. */
export function spawnCli(argv: string[]): ChildProcess {
  return spawn(process.execPath, ['bin/rlaif-lab.js', ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
