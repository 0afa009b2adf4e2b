import { describe, expect, it } from 'vitest';
import { providerConformanceCases, runProviderConformance } from '../../src/conformance/index.js';
import type { ProviderConformanceSuite } from '../../src/conformance/provider-conformance-harness.js';
import { ACME_BUGS, type AcmeBug } from './acme/acme-bugs.js';
import { acmepay } from './acme/acme-provider.js';
import { createAcmeSandbox } from './acme/acme-sandbox.js';

function acmeSuite(bug?: AcmeBug): ProviderConformanceSuite {
  return {
    name: bug === undefined ? 'acmepay' : `acmepay with ${bug}`,
    setup: () => {
      const sandbox = createAcmeSandbox();
      const provider = acmepay({ ...sandbox, endpoint: sandbox.baseUrl, fetch: sandbox.fetch, bug });
      return { provider, sandbox };
    },
  };
}

// The suite as an adapter package runs it: every case passes on the correct adapter.
runProviderConformance(acmeSuite());

/** The cases that must fail for each planted bug (at least these; others may fail too). */
const CAUGHT_BY: Record<AcmeBug, readonly string[]> = {
  'notification-unverified': [
    'refuses a forged notification (amount changed, signature kept)',
    "refuses a notification signed with a key that is not the wallet's",
  ],
  'notification-unsigned-accepted': ['refuses a notification with its signature removed'],
  'no-time-window': ["refuses a genuine notification signed outside the wallet's time window"],
  'foreign-merchant-accepted': ['refuses a genuine notification for another merchant'],
  'failed-as-paid': ['records a payment that failed at the wallet as failed, from its notification and from a query'],
  'failed-as-pending': [
    'records a payment that failed at the wallet as failed, from its notification and from a query',
  ],
  'closed-as-pending': ['records a trade the wallet closed as closed, from its notification and from a query'],
  'abnormal-refund-as-succeeded': [
    'records a refund the wallet failed as failed, from its notification',
    'records a refund the wallet failed as failed, from a query',
  ],
  'processing-refund-as-succeeded': [
    'records a refund the wallet failed as failed, from its notification',
    'records a refund the wallet failed as failed, from a query',
  ],
  'reply-unverified': ['refuses a reply whose signature does not verify, and changes nothing'],
  'reply-unbound': ['refuses a genuine reply about another order, and changes nothing'],
  'rejection-acknowledged-200': [
    'acknowledges an accepted notification with 2xx, a refused one with 400 and its own failure with 500',
    'refuses a forged notification (amount changed, signature kept)',
  ],
  'notification-amount-from-order': ['takes the paid amount from the notification, never from the order'],
  'reply-amount-from-order': ["takes the paid amount from the wallet's reply, never from the order"],
};

async function failingCases(suite: ProviderConformanceSuite): Promise<string[]> {
  const failing: string[] = [];
  for (const check of providerConformanceCases(suite)) {
    await check.run().catch(() => failing.push(check.name));
  }
  return failing;
}

describe('the provider conformance suite catches planted adapter bugs', () => {
  it('names every case the bug table expects', () => {
    const names = providerConformanceCases(acmeSuite()).map((c) => c.name);
    for (const expected of Object.values(CAUGHT_BY).flat()) expect(names).toContain(expected);
  });

  it('passes every case on the correct adapter when run outside describe', async () => {
    expect(await failingCases(acmeSuite())).toEqual([]);
  });

  it.each(ACME_BUGS)('fails on an adapter with the bug %s', async (bug) => {
    const failing = await failingCases(acmeSuite(bug));
    expect(failing.length, 'the suite caught nothing').toBeGreaterThan(0);
    for (const name of CAUGHT_BY[bug]) expect(failing).toContain(name);
  });
});
