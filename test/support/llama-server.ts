// A real llama.cpp llama-server for tests (test code only): find the binary, write the tiny
// Llama as GGUF, start the server on a free 127.0.0.1 port and wait until /health answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyLlamaFiles } from '../../scripts/models/build.ts';
import { llamaGguf } from '../../scripts/models/gguf-llama.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Where .ci/run's scripts/peers/llama-server.sh installs the binary (gitignored). */
export const PEER_BINARY = join(REPO, '.peers/llama.cpp/bin/llama-server');

/** The binary from env LLAMA_SERVER, else the peer build; else why there is none. */
export function llamaServerBinary(): { path: string } | { missing: string } {
  const fromEnv = process.env.LLAMA_SERVER;
  if (fromEnv) {
    return existsSync(fromEnv)
      ? { path: fromEnv }
      : { missing: `LLAMA_SERVER=${fromEnv} does not exist` };
  }
  if (existsSync(PEER_BINARY)) return { path: PEER_BINARY };
  return {
    missing: `no LLAMA_SERVER and no ${PEER_BINARY} (build it with scripts/peers/llama-server.sh)`,
  };
}

/** Export the generator's tiny Llama (models/tiny-llama's weights) to `<dir>/tiny-llama.gguf`. */
export async function writeTinyLlamaGguf(dir: string): Promise<string> {
  const path = join(dir, 'tiny-llama.gguf');
  writeFileSync(path, llamaGguf(tinyLlamaFiles()));
  return path;
}

export interface RunningLlamaServer {
  baseUrl: string;
  port: number;
  stop(): Promise<void>;
  /** Everything the server wrote to stdout and stderr so far. */
  log(): string;
}

export interface LlamaServerOptions {
  /** A .gguf to load; default: the tiny Llama written to a fresh temporary folder. */
  gguf?: string;
  /** Parallel slots (-np); default 4. */
  slots?: number;
  /** Total context (-c), shared by the slots; default 4096 per slot. */
  ctx?: number;
  extraArgs?: string[];
  /** How long to wait for /health; default 30 s. */
  timeoutMs?: number;
}

/**
 * The arguments every test server gets: f32 KV cache so its log-probs match the float32 ONNX
 * engine (the f16 default costs ~1e-3), 2 threads, no web UI, no warmup run (faster start).
 */
export function llamaServerArgs(gguf: string, port: number, slots: number, ctx: number): string[] {
  return [
    ...['--host', '127.0.0.1', '--port', String(port), '-m', gguf],
    ...['-np', String(slots), '-c', String(ctx), '-t', '2'],
    ...['-ctk', 'f32', '-ctv', 'f32', '--no-webui', '--no-warmup', '--log-colors', 'off'],
  ];
}

export async function startLlamaServer(opts: LlamaServerOptions = {}): Promise<RunningLlamaServer> {
  const binary = llamaServerBinary();
  if ('missing' in binary) throw new Error(`llama-server not found: ${binary.missing}`);
  const gguf = opts.gguf ?? (await writeTinyLlamaGguf(mkdtempSync(join(tmpdir(), 'llama-gguf-'))));
  const slots = opts.slots ?? 4;
  const port = await freePort();
  const args = [
    ...llamaServerArgs(gguf, port, slots, opts.ctx ?? 4096 * slots),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(binary.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (chunk: Buffer) => (log += chunk.toString());
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: RunningLlamaServer = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    stop: () => stop(child, exited),
    log: () => log,
  };
  try {
    await waitHealthy(server.baseUrl, child, opts.timeoutMs ?? 30_000);
  } catch (error) {
    await server.stop();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`llama-server ${args.join(' ')}: ${why}\n--- server log ---\n${log}`, {
      cause: error,
    });
  }
  return server;
}

async function waitHealthy(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before /health was 200`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 50));
  }
  throw new Error(`/health was not 200 within ${timeoutMs} ms`);
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(killed);
}

/** A port the OS says is free now (the server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}
