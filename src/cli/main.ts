// `npx rlaif-lab <command>`: the labeling core as a command-line tool. This file only routes a
// command line to its command and turns errors into exit codes and messages.
import { ModelLoadError } from '../lib/engines/onnx/model-files';
import { ServerConnectError } from '../lib/engines/server/detect';
import { ServerEngineError } from '../lib/engines/server/engine';
import { UsageError } from './args';
import { inspectCommand, INSPECT_USAGE } from './commands/inspect';
import type { Io } from './commands/io';
import { labelCommand, LABEL_USAGE } from './commands/label';
import { NothingReadError } from './dataset';
import { LabelsFileError, OutputLockedError } from './output';

export const USAGE = `Usage: rlaif-lab <command> [options]

Commands:
  label <dataset> --engine onnx:<model>     label pairs into a resumable labels JSONL, summarise
          (or --engine server:<url> --tokenizer <folder>: an OpenAI-compatible server)
  inspect <dataset> --engine onnx:<model>   print the exact prompt and tokens for one pair
  help [command]                            this text, or a command's options

Run "rlaif-lab <command> --help" for a command's options. Docs: docs/cli.md`;

const COMMANDS: Record<
  string,
  { run: (argv: string[], io: Io) => Promise<number>; usage: string }
> = {
  label: { run: labelCommand, usage: LABEL_USAGE },
  inspect: { run: inspectCommand, usage: INSPECT_USAGE },
};

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const say = (stream: Io['stdout'], text: string) => void stream.write(`${text}\n`);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const usage = (rest[0] && COMMANDS[rest[0]]?.usage) || USAGE;
    say(io.stdout, usage);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    say(io.stderr, `Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      say(io.stderr, `${error.message}\nRun "rlaif-lab ${name} --help" for the options.`);
      return 2;
    }
    // Errors that already say what to do are shown as they are; anything else is unexpected.
    const known = [
      NothingReadError,
      LabelsFileError,
      OutputLockedError,
      ModelLoadError,
      ServerConnectError,
      ServerEngineError,
    ];
    const message = error instanceof Error ? error.message : String(error);
    say(io.stderr, known.some((kind) => error instanceof kind) ? message : `Error: ${message}`);
    return 1;
  }
}

/** Run as a program (bin/rlaif-lab.js): the real process streams; Ctrl-C stops between pairs. */
export async function runCli(): Promise<void> {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C does not wait
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const io = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal };
  process.exitCode = await main(process.argv.slice(2), io);
}
