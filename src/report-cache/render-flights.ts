/** One caller waiting for a keyed render. */
export interface FlightWaiter {
  /** This caller may have the result stored under the key. */
  store: boolean;
  /** Fires when this caller has gone (its client disconnected); absent for callers that always wait. */
  gone?: AbortSignal;
  /** The purge epoch this caller's demand dates from (a batch item: its batch's creation). */
  since?: number;
}

/** What the work sees of its flight. */
export interface FlightControl {
  /** True once any waiter may store: read it after rendering, since waiters can join while it runs. */
  shouldStore(): boolean;
  /** Fires when every waiter has gone. */
  abandoned: AbortSignal;
  /** The earliest purge epoch a waiter's demand dates from, if any named one (read it after rendering too). */
  since(): number | undefined;
}

interface FlightState {
  store: boolean;
  /** Waiters that can leave and have not. */
  waiting: number;
  /** A waiter that never leaves (the backend) joined: the flight is never abandoned. */
  pinned: boolean;
  abandon: AbortController;
  since: number | undefined;
}

type Flight<T> = FlightState & { result: Promise<T> };

/**
 * One render per key at a time in this process: callers asking for a key whose render is under way
 * share it (eight concurrent misses, or a trigger and a download, make one render). The flight stores
 * its result when any of its waiters may, and is abandoned when all of them have gone.
 */
export class RenderFlights<T> {
  private readonly flights = new Map<string, Flight<T>>();

  join(key: string, waiter: FlightWaiter, work: (control: FlightControl) => Promise<T>): Promise<T> {
    let flight = this.flights.get(key);
    if (!flight) {
      const state: FlightState = {
        store: waiter.store,
        waiting: 0,
        pinned: false,
        abandon: new AbortController(),
        since: undefined,
      };
      const result: Promise<T> = work({
        shouldStore: () => state.store,
        abandoned: state.abandon.signal,
        since: () => state.since,
      }).finally(() => {
        if (this.flights.get(key)?.result === result) this.flights.delete(key);
      });
      flight = Object.assign(state, { result });
      this.flights.set(key, flight);
    }
    flight.store ||= waiter.store;
    if (waiter.since !== undefined) flight.since = Math.min(flight.since ?? waiter.since, waiter.since);
    this.count(flight, waiter.gone);
    return flight.result;
  }

  has(key: string): boolean {
    return this.flights.has(key);
  }

  /** Keys with a render under way now. */
  get keys(): string[] {
    return [...this.flights.keys()];
  }

  private count(flight: Flight<T>, gone: AbortSignal | undefined): void {
    if (!gone) {
      flight.pinned = true;
      return;
    }
    flight.waiting += 1;
    const leave = () => {
      flight.waiting -= 1;
      if (flight.waiting === 0 && !flight.pinned) flight.abandon.abort();
    };
    if (gone.aborted) return leave();
    gone.addEventListener('abort', leave, { once: true });
    void flight.result.finally(() => gone.removeEventListener('abort', leave)).catch(() => undefined);
  }
}
