/**
 * Keyset paging shared by every list of the store (orders, transfers): rows strictly after a
 * cursor's `(updated_at, id)`, in that order.
 *
 * @packageDocumentation
 */
import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * The condition "after this position", for a `where` on a table with `updated_at` and `id`. The
 * range bound comes first: PostgreSQL uses it as the index scan's start, where the OR alone is
 * only a filter over every earlier row on each page (quadratic paging).
 *
 * @example
 * ```ts
 * if (q.after) select = select.where(afterListPosition(q.after));
 * ```
 */
export function afterListPosition(after: { readonly updatedAt: unknown; readonly id: string }): Expression<SqlBool> {
  const at = after.updatedAt;
  return sql<SqlBool>`(updated_at >= ${at} and (updated_at > ${at} or (updated_at = ${at} and id > ${after.id})))`;
}
