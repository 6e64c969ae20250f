import type { Readable } from 'node:stream';
import type { StoredObject } from '../storage';

/** A stored report as a lookup found it: its facts, and its bytes when they were asked for. */
export interface StoredReport extends StoredObject {
  /** The frontend it was rendered from (recorded with it; DEFAULT_FRONTEND_ORIGIN when nothing was). */
  origin: string;
  body: Readable | undefined;
}

/**
 * What became of a render `produce` ran (or joined): stored under its key; answered only (nobody asking
 * may store it, or Redis was unreachable so the purge log could not be checked); rendered but the write
 * failed; or purged while it rendered, so deliberately not written.
 */
export type ProduceOutcome = 'stored' | 'not_stored' | 'store_failed' | 'purged';
/** A render's bytes and what became of storing them; every caller reads `outcome` the same way. */
export interface Produced {
  bytes: Uint8Array;
  /** The stored object's tag, or one made from the bytes when nothing was stored. */
  etag: string;
  outcome: ProduceOutcome;
}

/** How one caller takes part in the render of a key. */
export interface ProduceDemand {
  /** This caller may have the result stored (the render stores when any caller may). */
  store: boolean;
  /** Fires when this caller has gone; absent for callers that always wait (the backend). */
  gone?: AbortSignal;
  /**
   * The purge epoch the demand dates from (a batch item: when its batch was created): a purge after it
   * keeps the render from being written, even one that ran before the render started.
   */
  since?: number;
  /**
   * The caller needs the render stored (the trigger, batch items): without coordination (Redis down) it is
   * refused before rendering. Others (downloads) get an unstored render then.
   */
  mustStore?: boolean;
}

/**
 * The render the cache runs for a key. `abandoned` fires when every caller of the key has gone; a render
 * that may be stored should then still finish, one that may not should stop.
 */
export type RenderWork = (abandoned: AbortSignal) => Promise<Uint8Array>;
