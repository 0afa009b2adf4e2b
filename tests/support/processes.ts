/**
 * The registry of child processes the tests start, so a run leaves none behind: `track(child)`
 * records each one (and its process group, when spawned `detached`), and the global teardown in
 * `tests/support/leftover-processes.ts` fails the run if any is still alive at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The environment variable naming the registry directory (set by the global setup). */
export const PROCESS_REGISTRY_ENV = 'HUTONG_TEST_PROCESS_REGISTRY';

/** What the registry records of a process. */
export interface TrackedProcess {
  pid: number;
  /** Whether the process leads its own group (spawned `detached`): the teardown checks the group. */
  group: boolean;
  command: string;
}

/**
 * Records `child` in the run's registry until it exits, and returns it. Spawn with
 * `detached: true` where the child may start processes of its own (a `tsx` wrapper, a shell), so
 * the teardown finds them through the process group.
 */
export function track<C extends ChildProcess>(child: C, options: { group?: boolean } = {}): C {
  const dir = process.env[PROCESS_REGISTRY_ENV];
  const pid = child.pid;
  if (dir === undefined || pid === undefined) return child;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(pid));
  const entry: TrackedProcess = { pid, group: options.group ?? false, command: child.spawnargs.join(' ') };
  writeFileSync(file, JSON.stringify(entry));
  // A group may outlive its leader: keep the entry then, the teardown checks the group.
  if (!entry.group) child.once('exit', () => rmSync(file, { force: true }));
  return child;
}
