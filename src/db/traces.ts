import { orderSql } from './keyset.ts';

/**
 * Traces join steps by step_id, without a foreign key: where a step has several, the newest wins (by
 * created_at, then id, undated ones last), on every path that reads a step's trace.
 */
export const NEWEST_TRACE_FIRST = orderSql('t', true);
