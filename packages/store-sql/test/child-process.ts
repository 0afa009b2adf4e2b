/**
 * A test's child process: Node itself running a TypeScript file with the tsx loader (no wrapper
 * process between the test and the child, so the pid the test holds is the process that runs the
 * code), with its stdout read as lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from '../../../tests/support/processes.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** A running child and what it printed. */
export interface TestChild {
  readonly process: ChildProcess;
  /** Every line printed on stdout so far. */
  readonly lines: string[];
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** The first line that starts with `prefix` (already printed or the next one). */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running (signal 0 reaches it). */
  alive(): boolean;
  /** Writes one line to its stdin. */
  send(line: string): void;
}

/** Whether a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `node --import tsx <file> ...args` in the package's folder. */
export function spawnChild(file: string, args: string[]): TestChild {
  // Recorded for the global teardown, which fails the run if the child outlives its test.
  const proc = track(
    spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: packageDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      lines.push(line);
      for (const waiter of waiters.filter((w) => line.startsWith(w.prefix))) waiter.resolve(line);
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  return {
    process: proc,
    lines,
    exit,
    stderr: () => stderr,
    alive: () => !exited && proc.pid !== undefined && processExists(proc.pid),
    send: (line) => void proc.stdin?.write(`${line}\n`),
    waitFor: (prefix, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const found = lines.find((line) => line.startsWith(prefix));
        if (found) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`no "${prefix}" within ${timeoutMs} ms: ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exit.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`child exited (${code ?? signal}) before "${prefix}": ${stderr}`));
        });
      }),
  };
}

/** SIGKILLs the child and waits until its process is gone. */
export async function killChild(child: TestChild): Promise<void> {
  if (child.alive()) child.process.kill('SIGKILL');
  await child.exit;
}
