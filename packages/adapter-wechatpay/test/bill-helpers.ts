import { readFileSync } from 'node:fs';
import type { StatementLine } from '@hutong/core/provider-utils';

/** A bill fixture's bytes (`test/fixtures/bills/<name>`). */
export function billFixture(name: string): Uint8Array {
  return readFileSync(new URL(`./fixtures/bills/${name}`, import.meta.url));
}

/** The bytes in chunks of `size` (small sizes cut UTF-8 characters across chunks). */
export async function* chunked(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Text as a chunked byte source. */
export function source(text: string, size = 7): AsyncGenerator<Uint8Array> {
  return chunked(new TextEncoder().encode(text), size);
}

/** Every line of an iterable. */
export async function collect(lines: AsyncIterable<StatementLine>): Promise<StatementLine[]> {
  const all: StatementLine[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

/** What an async operation threw (fails the test if it did not throw). */
export async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * A fetch that serves `files` (bytes by URL; one file for every URL) as streamed bodies in chunks of
 * `size`, recording each request in `seen`; 404 for a URL it has no file for.
 */
export function servingFetch(
  files: Uint8Array | Readonly<Record<string, Uint8Array>>,
  size: number,
  seen: Request[] = [],
): typeof globalThis.fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    const body = files instanceof Uint8Array ? files : files[request.url];
    if (!body) return new Response('{"code":"RESOURCE_NOT_EXISTS"}', { status: 404 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.length; at += size) controller.enqueue(body.slice(at, at + size));
        controller.close();
      },
    });
    return new Response(stream, { status: 200 });
  }) as typeof globalThis.fetch;
}
