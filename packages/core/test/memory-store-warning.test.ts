import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { track } from '../../../tests/support/processes.js';

const child = fileURLToPath(new URL('./processes/memory-store-warning.ts', import.meta.url));

/** Runs the child (the real node process, tsx as a loader) and returns what it printed on stderr. */
function run(env: Record<string, string | undefined>, which = 'memory'): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = track(
      spawn(process.execPath, ['--import', 'tsx', child, which], {
        env: { ...process.env, NODE_ENV: undefined, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

const count = (text: string) => text.split('HUTONG_MEMORY_ORDER_STORE').length - 1;

describe('the memory order store in production', () => {
  it('emits one warning per process with NODE_ENV=production, however many facades use it', async () => {
    const stderr = await run({ NODE_ENV: 'production' });
    expect(count(stderr)).toBe(1);
    expect(stderr).toContain('HutongWarning');
    expect(stderr).toContain('lost on restart');
  }, 30_000);

  it('stays silent outside production', async () => {
    expect(count(await run({ NODE_ENV: 'development' }))).toBe(0);
    expect(count(await run({}))).toBe(0);
  }, 30_000);

  it('stays silent with another store in production', async () => {
    expect(count(await run({ NODE_ENV: 'production' }, 'other'))).toBe(0);
  }, 30_000);
});
