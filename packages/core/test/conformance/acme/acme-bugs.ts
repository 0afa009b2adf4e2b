/**
 * The typical adapter bugs of issue 21 item 6, each one switch in the AcmePay adapter, so a test can
 * plant them one at a time and check that the conformance suite catches each.
 */
export const ACME_BUGS = [
  'notification-unverified',
  'notification-unsigned-accepted',
  'no-time-window',
  'foreign-merchant-accepted',
  'failed-as-paid',
  'failed-as-pending',
  'closed-as-pending',
  'abnormal-refund-as-succeeded',
  'processing-refund-as-succeeded',
  'reply-unverified',
  'reply-unbound',
  'rejection-acknowledged-200',
  'notification-amount-from-order',
  'reply-amount-from-order',
] as const;

/** One planted bug. */
export type AcmeBug = (typeof ACME_BUGS)[number];
