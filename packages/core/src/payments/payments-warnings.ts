/**
 * What the facade does with a listener's error or a relay failure when the merchant passed no
 * handler for it: library code never logs, so nothing is written to the console; one process
 * warning per facade and kind, with a stable code, says that errors are being dropped and which
 * option receives them.
 *
 * @packageDocumentation
 */
import type { OutboxRelayErrorContext } from '../outbox.js';
import type { PaymentsEventType } from '../payments-events.js';

/** The code of the warning a facade with no `onListenerError` emits the first time a listener throws. */
export const LISTENER_ERROR_WARNING = 'HUTONG_LISTENER_ERROR';

/** The code of the warning a facade with no `relay.onError` emits the first time its relay fails. */
export const OUTBOX_RELAY_ERROR_WARNING = 'HUTONG_OUTBOX_RELAY_ERROR';

/** The error's class and hutong code, never its message (a listener's message may hold personal data). */
function describeError(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code) ? `${name} ${code}` : name;
}

/** Emits `message` once through `process.emitWarning`; runtimes without it get nothing. */
function warnOnce(code: string): (message: string) => void {
  let warned = false;
  return (message) => {
    if (warned) return;
    const runtime = (globalThis as { process?: Partial<Pick<NodeJS.Process, 'emitWarning'>> }).process;
    if (typeof runtime?.emitWarning !== 'function') return;
    warned = true;
    runtime.emitWarning(message, { type: 'HutongWarning', code });
  };
}

/**
 * The `onListenerError` of a facade created without one: the error is dropped (the stored change
 * stands), and the first one emits a {@link LISTENER_ERROR_WARNING} warning.
 */
export function droppedListenerErrors(): (error: unknown, event: PaymentsEventType) => void {
  const warn = warnOnce(LISTENER_ERROR_WARNING);
  return (error, event) =>
    warn(
      `a listener of ${event} threw (${describeError(error)}); the stored change stands. Listener errors ` +
        'are dropped: pass onListenerError to createPayments to receive them. This warning is emitted once.',
    );
}

/**
 * The relay `onError` of a facade created without one: listener failures already reached
 * `onListenerError`; a store failure or an event given up on is dropped, and the first one emits
 * an {@link OUTBOX_RELAY_ERROR_WARNING} warning.
 */
export function droppedRelayErrors(): (error: unknown, context: OutboxRelayErrorContext) => void {
  const warn = warnOnce(OUTBOX_RELAY_ERROR_WARNING);
  return (error, context) => {
    if (context.event && !context.gaveUp) return;
    const what = context.gaveUp ? `gave up on event ${context.event?.id}` : 'failed';
    warn(
      `the outbox relay ${what} (${describeError(error)}). Relay errors are dropped: pass relay.onError ` +
        'to createPayments to receive them. This warning is emitted once.',
    );
  };
}
