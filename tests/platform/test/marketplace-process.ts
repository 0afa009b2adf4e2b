/**
 * One life of the crash test's marketplace app: Node itself running processes/marketplace-app.ts
 * with the tsx loader from the repository's root (no wrapper process between the test and the app,
 * so the pid the test kills is the app), its stdout read as lines and its questions for the wallet
 * answered over stdin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from '../../support/processes.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const APP = 'tests/platform/test/processes/marketplace-app.ts';

/** A running app and what it printed. */
export interface AppLife {
  readonly process: ChildProcess;
  /** Every line printed on stdout so far. */
  readonly lines: string[];
  /** The first line that starts with `prefix` (already printed or the next one). */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** Answers each `ASK <n> <verb> <json>` the app prints with what `answer` returns. */
  onAsk(answer: (verb: string, args: unknown) => unknown): void;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
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

/** Starts the app with `args`, stopping at `crashAt` (`<step>:<before|after>`) when given. */
export function startApp(args: readonly string[], crashAt: string | undefined): AppLife {
  const env = { ...process.env };
  if (crashAt === undefined) delete env.HUTONG_CRASH_AT;
  else env.HUTONG_CRASH_AT = crashAt;
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', APP, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let stderr = '';
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      lines.push(line);
      for (const listener of [...listeners]) listener(line);
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    lines,
    exit,
    waitFor: (prefix, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const found = lines.find((line) => line.startsWith(prefix));
        if (found) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`no "${prefix}" within ${timeoutMs} ms: ${stderr}`)),
          timeoutMs,
        );
        listeners.push((line) => {
          if (!line.startsWith(prefix)) return;
          clearTimeout(timer);
          resolve(line);
        });
        void exit.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`app exited (${code ?? signal}) before "${prefix}": ${stderr}`));
        });
      }),
    onAsk(answer) {
      listeners.push((line) => {
        const match = /^ASK (\d+) (\S+) (.*)$/.exec(line);
        if (!match) return;
        void Promise.resolve()
          .then(() => answer(match[2] as string, JSON.parse(match[3] as string)))
          .then(
            (value) => child.stdin?.write(`ANSWER ${match[1]} ${JSON.stringify(value ?? null)}\n`),
            (error: unknown) => {
              stderr += `\nthe test could not answer ${line}: ${String(error)}`;
              child.kill('SIGKILL');
            },
          );
      });
    },
  };
}
