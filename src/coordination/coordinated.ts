import { CoordinationUnavailable, DomainError } from '../common/domain.errors';

/** Redis answers that mean "not now" (a restart loading its data, a replica in failover), not a bug. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * Runs a Redis call and turns an unreachable Redis into `CoordinationUnavailable` (503, Retry-After). A
 * reply error Redis gave on purpose (a script bug, a wrong type) stays what it is: that is ours to fix.
 */
export async function coordinated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asCoordinationError(error);
  }
}

/** Is this error Redis being out of reach (as opposed to a reply Redis gave on purpose)? */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof CoordinationUnavailable) return true;
  if (error instanceof DomainError || !(error instanceof Error)) return false;
  return error.name !== 'ReplyError' || TRANSIENT_REPLY.test(error.message);
}

function asCoordinationError(error: unknown): unknown {
  return isUnreachable(error) && !(error instanceof DomainError)
    ? new CoordinationUnavailable({ cause: error })
    : error;
}
