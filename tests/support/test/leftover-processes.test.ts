/**
 * The global teardown that keeps a run from leaving processes behind: it must fail (and clean up)
 * when a tracked child, or a grandchild in a tracked process group, is still alive.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import setup from '../leftover-processes.js';
import { PROCESS_REGISTRY_ENV, track } from '../processes.js';

const saved = process.env[PROCESS_REGISTRY_ENV];
afterEach(() => {
  process.env[PROCESS_REGISTRY_ENV] = saved;
});

/** Alive and not a zombie (a container's init may not reap an orphan at once). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
};

const sleeper = (...args: string[]) =>
  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], { stdio: 'ignore' });

describe('the leftover-process teardown', () => {
  it('passes when every tracked child has exited', async () => {
    const teardown = setup();
    const child = track(sleeper());
    child.kill('SIGKILL');
    await once(child, 'exit');
    await expect(teardown()).resolves.toBeUndefined();
  });

  it('fails the run on a child still running, and kills it', async () => {
    const teardown = setup();
    const child = track(sleeper());
    const pid = child.pid as number;
    const error = await teardown().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toContain(`left 1 process(es) running (now killed)`);
    expect(String(error)).toContain(String(pid));
    await once(child, 'exit');
    expect(alive(pid)).toBe(false);
  }, 10_000);

  it('finds a grandchild that outlived its parent, through the process group', async () => {
    const teardown = setup();
    // The parent starts a grandchild in its group, prints its pid and exits: the tsx-wrapper case.
    const parent = track(
      spawn(
        process.execPath,
        [
          '-e',
          "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); c.unref(); process.exit(0)",
        ],
        { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
      ),
      { group: true },
    );
    let output = '';
    parent.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await once(parent, 'exit');
    const grandchild = Number(output.trim());
    expect(alive(grandchild)).toBe(true);
    const error = await teardown().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toContain('(group)');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(grandchild)).toBe(false);
  }, 10_000);
});
