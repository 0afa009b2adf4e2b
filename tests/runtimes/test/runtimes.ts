/**
 * Bundles the merchant app (esbuild, from the packages' TypeScript sources, as the root
 * tsconfig's paths map them) and starts it in each runtime: Node, Bun and Deno as child processes
 * (the binaries the `bun` and `deno` npm packages install), and workerd (the `workerd` npm package,
 * Cloudflare's runtime itself) serving the worker with `nodejs_compat`. Not miniflare: its current
 * major needs Node 22, and the last one for Node 20 ships a workerd of July 2025 without `node:os`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from '../../support/processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
/** The date whose behaviour workerd gives the worker (Cloudflare's `compatibility_date`). */
const WORKERD_COMPATIBILITY_DATE = '2025-11-01';
const require = createRequire(join(here, '../package.json'));

/** A runtime serving the merchant app. */
export interface RunningApp {
  url: string;
  stop(): Promise<void>;
}

/** A runtime the tests run the app in, or why it cannot run here. */
export interface Runtime {
  name: 'node' | 'bun' | 'deno' | 'workerd';
  /** Why the runtime cannot run here (its binary is missing), or `undefined`. */
  missing: string | undefined;
  start(bundles: Bundles): Promise<RunningApp>;
}

/** The bundled entries, one per kind of runtime. */
export interface Bundles {
  node: string;
  bun: string;
  deno: string;
  worker: string;
  /** Removes the bundles. */
  remove(): void;
}

/** The root tsconfig's `paths`: each `@hutong/*` import to its source file. */
function sourceAliases(): Record<string, string> {
  const config = JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return Object.fromEntries(
    Object.entries(config.compilerOptions.paths).map(([name, [path]]) => [name, join(repo, path as string)]),
  );
}

/**
 * Bundles the four entries into a temporary folder.
 */
export async function bundle(): Promise<Bundles> {
  const { build } = await import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'hutong-runtimes-'));
  const entries = { node: 'node-entry', bun: 'bun-entry', deno: 'deno-entry', worker: 'worker-entry' } as const;
  await build({
    entryPoints: Object.values(entries).map((name) => join(here, `../src/${name}.ts`)),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    // Web-standard code plus `node:*` built-ins, which every runtime here provides.
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['node:*'],
    alias: sourceAliases(),
    target: 'es2022',
    logLevel: 'error',
  });
  const path = (name: string) => join(out, `${name}.mjs`);
  return {
    node: path(entries.node),
    bun: path(entries.bun),
    deno: path(entries.deno),
    worker: path(entries.worker),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}

/** The first of `candidates` that runs `--version`, or `undefined`. */
function workingBinary(candidates: (() => string)[]): string | undefined {
  for (const candidate of candidates) {
    let path: string;
    try {
      path = candidate();
    } catch {
      continue;
    }
    if (spawnSync(path, ['--version'], { timeout: 10_000 }).status === 0) return path;
  }
  return undefined;
}

const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Ends a child process this module started, and waits for it. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts `command` and resolves with its URL once it prints `listening <port>`. */
function startProcess(command: string, args: string[], deadlineMs = 20_000): Promise<RunningApp> {
  const child: ChildProcess = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() }));
  let output = '';
  const stop = () => stopChild(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} did not listen within ${deadlineMs} ms:\n${output}`));
    }, deadlineMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, stop });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before listening:\n${output}`));
    });
  });
}

/** The runtimes, each with its binary found (or the reason it is missing). */
export function runtimes(): Runtime[] {
  const bun = workingBinary([() => join(packageDir('bun'), 'bin/bun.exe'), () => 'bun']);
  const deno = workingBinary([() => join(packageDir('deno'), 'deno'), () => 'deno']);
  const workerd = workingBinary([() => join(packageDir('workerd'), 'bin/workerd'), () => 'workerd']);
  return [
    {
      name: 'node',
      missing: undefined,
      start: (bundles) => startProcess(process.execPath, [bundles.node]),
    },
    {
      name: 'bun',
      missing: bun ? undefined : 'no working Bun binary (the `bun` npm package, or `bun` on PATH)',
      start: (bundles) => startProcess(bun as string, ['run', bundles.bun]),
    },
    {
      name: 'deno',
      missing: deno ? undefined : 'no working Deno binary (the `deno` npm package, or `deno` on PATH)',
      // No `--allow-env`: hutong runs with only the network it needs (reading NODE_ENV, refused here,
      // is not an error).
      start: (bundles) =>
        startProcess(deno as string, ['run', '--no-config', '--no-lock', '--allow-net=127.0.0.1', bundles.deno]),
    },
    {
      name: 'workerd',
      missing: workerd ? undefined : 'no working workerd binary (the `workerd` npm package, or `workerd` on PATH)',
      start: (bundles) => startWorker(workerd as string, bundles.worker),
    },
  ];
}

/** A free port of 127.0.0.1, as the system hands one out. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Serves the worker with workerd: nodejs_compat, and an outbound network that reaches 127.0.0.1
 * (where the sandboxes listen). workerd prints nothing when it listens: the port is polled.
 */
async function startWorker(workerd: string, script: string, deadlineMs = 20_000): Promise<RunningApp> {
  const port = await freePort();
  const config = join(dirname(script), 'workerd.capnp');
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "${basename(script)}") ],
  compatibilityDate = "${WORKERD_COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
);
`,
  );
  const child = track(spawn(workerd, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dirname(script) }));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const app: RunningApp = { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}) before listening:\n${output}`);
    try {
      await fetch(`${app.url}/`, { signal: AbortSignal.timeout(1_000) });
      return app;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await app.stop();
  throw new Error(`workerd did not listen within ${deadlineMs} ms:\n${output}`);
}
