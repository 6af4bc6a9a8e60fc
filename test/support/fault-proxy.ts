// A local HTTP proxy in front of a real server that injects the failures a labeling run meets at
// scale: 429 with Retry-After, 5xx, an answer slower than the client's timeout, a connection cut
// mid-request, and a server gone for good. Faults are queued per request, in arrival order.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfterS?: number; body?: string }
  /** Hold the request this long before forwarding it (longer than the client's timeout). */
  | { kind: 'delay'; ms: number }
  /** Close the connection without an answer. */
  | { kind: 'reset' };

export interface FaultProxy {
  baseUrl: string;
  /** Faults for the next requests matching `path` (all paths when absent), in order. */
  inject(faults: Fault[], path?: string): void;
  /** From now on every request is refused as if the server had died (connection reset). */
  kill(): void;
  revive(): void;
  /** Requests seen, faulted or forwarded, by path. */
  readonly seen: Map<string, number>;
  readonly faultsServed: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const queue: { path: string | undefined; fault: Fault }[] = [];
  const sockets = new Set<Socket>();
  const seen = new Map<string, number>();
  let dead = false;
  let faultsServed = 0;

  const takeFault = (path: string): Fault | undefined => {
    const index = queue.findIndex((q) => q.path === undefined || q.path === path);
    return index < 0 ? undefined : queue.splice(index, 1)[0]!.fault;
  };

  const forward = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => {
    const out = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    seen.set(path, (seen.get(path) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (dead) return void req.socket.destroy();
      const fault = takeFault(path);
      if (fault) faultsServed++;
      const body = Buffer.concat(chunks);
      if (!fault) return forward(req, body, res);
      if (fault.kind === 'reset') return void req.socket.destroy();
      if (fault.kind === 'delay') return void setTimeout(() => forward(req, body, res), fault.ms);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
      res.writeHead(fault.status, headers);
      res.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}` } }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    inject(faults, path) {
      for (const fault of faults) queue.push({ path, fault });
    },
    kill() {
      dead = true;
      for (const socket of sockets) socket.destroy();
    },
    revive() {
      dead = false;
    },
    seen,
    get faultsServed() {
      return faultsServed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
