/**
 * How values become columns and back, for every table of the store: times as epoch milliseconds,
 * records as JSON text, keys checked against their column, and long id lists in chunks.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { checkStorableText } from './sql-errors.js';

/** An ISO-8601 time as epoch milliseconds; `ValidationError` on `field` otherwise. */
export function epochMs(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(field, 'is not an ISO-8601 time');
  return ms;
}

/** Longest key (merchant, provider) a `varchar(64)` column holds. */
const KEY_MAX = 64;

/** A merchant or provider key as its column holds it: storable text of 1 to 64 characters. */
export function checkKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || [...value].length > KEY_MAX) {
    throw new ValidationError(field, `must be a string of 1 to ${KEY_MAX} characters`);
  }
  return checkStorableText(value, field);
}

/** A JSON column as the record it holds (drivers hand text back as strings; a JSON column may come parsed). */
export function fromJson<T>(data: unknown): T {
  return (typeof data === 'string' ? JSON.parse(data) : data) as T;
}

/** At most this many ids in one `in (...)` list: a whole page of `MAX_LIST_LIMIT` in one statement. */
export const ID_CHUNK = 1000;

/** Splits a list into chunks, so `in (...)` lists stay short. */
export function chunks<T>(list: readonly T[], size: number = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
