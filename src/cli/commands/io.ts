// What a command talks to: its output streams and how it learns of a Ctrl-C. Injected so tests
// can run commands in-process; main.ts passes the real process.
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Aborted on SIGINT/SIGTERM: the run stops between pairs, everything written stays. */
  signal?: AbortSignal;
}

export function printer(stream: Io['stdout']) {
  return (line = '') => void stream.write(`${line}\n`);
}
