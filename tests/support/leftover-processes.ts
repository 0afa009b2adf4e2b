/**
 * Vitest global setup: creates the registry `tests/support/processes.ts` writes to, and at the end
 * of the run fails it if any process a test started is still alive (killing them, so the machine is
 * clean either way). A test suite that leaves a server running would otherwise go unnoticed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROCESS_REGISTRY_ENV, type TrackedProcess } from './processes.js';

/** `/proc/<pid>/stat`'s state and process group, where there is a `/proc` (Linux). */
function procStat(pid: number): { state: string; group: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] as string, group: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Whether the process (or a member of its group) is alive; a zombie is not (only unreaped). */
function alive(entry: TrackedProcess): boolean {
  if (existsSync('/proc/self/stat')) {
    if (!entry.group) return (procStat(entry.pid)?.state ?? 'Z') !== 'Z';
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .some((name) => {
        const stat = procStat(Number(name));
        return stat !== undefined && stat.group === entry.pid && stat.state !== 'Z';
      });
  }
  try {
    process.kill(entry.group ? -entry.pid : entry.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function leftovers(dir: string): TrackedProcess[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as TrackedProcess).filter(alive);
}

/** Sets the registry up; the returned teardown checks it. */
export default function setup(): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hutong-test-processes-'));
  process.env[PROCESS_REGISTRY_ENV] = dir;
  return async () => {
    // A child told to stop in an afterAll may still be exiting: give it two seconds.
    const deadline = Date.now() + 2_000;
    let left = leftovers(dir);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = leftovers(dir);
    }
    for (const entry of left) {
      try {
        process.kill(entry.group ? -entry.pid : entry.pid, 'SIGKILL');
      } catch {
        // gone in the meantime
      }
    }
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      const list = left.map((entry) => `  ${entry.pid}${entry.group ? ' (group)' : ''}: ${entry.command}`).join('\n');
      throw new Error(`the tests left ${left.length} process(es) running (now killed):\n${list}`);
    }
  };
}
