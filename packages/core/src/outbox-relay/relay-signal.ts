/**
 * The two ways the relay waits: on a signal that something changed, and for a while.
 *
 * @packageDocumentation
 */

/** A promise resolved from outside, for a loop to wait on "something changed". */
export interface Signal {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

/** A new unresolved {@link Signal}. */
export function signal(): Signal {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Resolves after `ms`; its timer does not keep the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
}
