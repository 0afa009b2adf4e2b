/**
 * How the UnionPay sandbox alters its synchronous replies for a test: a rewrite of every following
 * reply (`rewriteReplies`) before it is signed, and the one-off tampering of the next reply
 * (`hostile.tamperNextReply`: another amount or order, or a broken signature).
 *
 * @packageDocumentation
 */
import type { UnionpaySandboxRouteHooks } from './unionpay-sandbox-routes.js';
import type { Fields } from './unionpay-sandbox-state.js';

/**
 * The reply edits of one sandbox: the two route hooks that apply them, and the setters of each.
 *
 * @example
 * ```ts
 * const edits = createUnionpaySandboxReplyEdits();
 * edits.tamperNextReply('signature');
 * ```
 */
export interface UnionpaySandboxReplyEdits
  extends Pick<UnionpaySandboxRouteHooks, 'rewriteReply' | 'alterSignedReply'> {
  /** Tampers with the next reply: its amount or order before signing, or its signature after. */
  tamperNextReply(kind: 'amount' | 'order' | 'signature'): void;
  /** Rewrites every following reply before it is signed; `undefined` stops. */
  rewriteReplies(rewrite: ((reply: Fields, request: Fields) => Fields) | undefined): void;
}

/** A base64 signature with its first character changed (still base64, no longer the signature). */
const broken = (signature: string) => `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;

/**
 * Creates the reply edits of one sandbox: none yet.
 *
 * @example
 * ```ts
 * const edits = createUnionpaySandboxReplyEdits();
 * const hooks = { ...routeHooks, rewriteReply: edits.rewriteReply, alterSignedReply: edits.alterSignedReply };
 * ```
 */
export function createUnionpaySandboxReplyEdits(): UnionpaySandboxReplyEdits {
  let rewriteReply: ((reply: Fields, request: Fields) => Fields) | undefined;
  let tamper: 'amount' | 'order' | 'signature' | undefined;
  return {
    tamperNextReply(kind) {
      tamper = kind;
    },
    rewriteReplies(rewrite) {
      rewriteReply = rewrite;
    },
    rewriteReply(reply, request) {
      let rewritten = rewriteReply ? rewriteReply(reply, request) : reply;
      if (tamper === 'amount' || tamper === 'order') {
        const kind = tamper;
        tamper = undefined;
        if (kind === 'order') rewritten = { ...rewritten, orderId: `${rewritten.orderId ?? ''}X`.slice(-40) };
        else if (rewritten.txnAmt !== undefined)
          rewritten = { ...rewritten, txnAmt: String(Number(rewritten.txnAmt) + 1) };
      }
      return rewritten;
    },
    alterSignedReply(text) {
      if (tamper !== 'signature') return text;
      tamper = undefined;
      return text.replace(
        /(^|&)signature=([^&]*)/,
        (_, lead: string, value: string) => `${lead}signature=${broken(value)}`,
      );
    },
  };
}
