/**
 * Reading a web byte stream without trusting its size: what the webhook endpoints and the HTTP
 * client both need, so that neither a huge notification nor a huge reply is held in memory.
 *
 * @packageDocumentation
 */

/**
 * Reads a byte stream up to `limit` bytes. Returns `undefined` as soon as more arrive, and cancels
 * the stream then, so nothing past the limit is read or kept.
 *
 * @internal
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | undefined> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
