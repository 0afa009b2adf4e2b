/**
 * Calling a provider: its failures as hutong errors, which of them are a definitive refusal, and
 * the capability check before a call.
 *
 * @packageDocumentation
 */
import {
  HutongError,
  ProviderApiError,
  UnexpectedResponseError,
  UnsupportedOperationError,
  ValidationError,
} from '../errors.js';
import type { ProviderCapabilities } from '../provider-spec.js';
import type { AnyProvider } from './payments-types.js';

/**
 * Any failure of a provider call as a hutong error: a non-hutong error (a `SyntaxError` from a bad
 * reply, a bug) means the reply could not be read, so the outcome is unknown.
 */
export function asHutongError(provider: string, error: unknown): HutongError {
  if (HutongError.isInstance(error)) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : 'a non-error value was thrown';
  return new UnexpectedResponseError(provider, 'malformed', `the reply could not be read (${message})`, {
    cause: error,
  });
}

/** Calls a provider, turning whatever it throws into a hutong error. */
export async function callProvider<T>(provider: AnyProvider, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asHutongError(provider.id, error);
  }
}

/**
 * Whether an error is a definitive refusal: a verified, non-retryable provider error, or input the
 * adapter refused before sending. Anything else (network failure, timeout, a reply that failed
 * verification, could not be read or answers another request) leaves the outcome unknown, and the
 * order or refund as it was, for `sync` to settle.
 */
export function isDefinitiveRefusal(error: HutongError): boolean {
  return (ProviderApiError.isInstance(error) && !error.retryable) || ValidationError.isInstance(error);
}

/** Throws {@link UnsupportedOperationError} unless the provider declares the capability. */
export function requireCapability<K extends keyof ProviderCapabilities>(provider: AnyProvider, capability: K): void {
  if (!provider.capabilities[capability]) throw new UnsupportedOperationError(provider.id, String(capability));
}
