/**
 * What the WeChat Pay sandbox answers with: a JSON body, a reply before it is signed, and WeChat
 * Pay's error reply.
 *
 * @packageDocumentation
 */

/**
 * A JSON object, as WeChat Pay's requests and replies are.
 *
 * @example
 * ```ts
 * const body: Json = { code: 'PARAM_ERROR', message: '参数错误' };
 * ```
 */
export type Json = Record<string, unknown>;

/**
 * A reply the sandbox serves, before it is signed.
 *
 * @example
 * ```ts
 * const reply: SandboxReply = { status: 204 };
 * ```
 */
export interface SandboxReply {
  status: number;
  body?: Json | string | undefined;
  /** Bill files are not signed. */
  unsigned?: boolean | undefined;
}

/**
 * WeChat Pay's error reply: `{ code, message }` with an HTTP status.
 *
 * @example
 * ```ts
 * errorReply(404, 'ORDER_NOT_EXIST', '订单不存在');
 * ```
 */
export const errorReply = (status: number, code: string, message: string): SandboxReply => ({
  status,
  body: { code, message },
});
