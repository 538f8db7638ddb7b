// Time for the engines, injectable so that tests can move it (expiry, idle times, LRU).
//
// Commands read the time once (`now()` at command start, Redis's commandTimeSnapshot),
// so every reading within one command agrees.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
};

/** A clock that only moves when told to: for tests of expiry and eviction. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start = Date.now()) {
    this.ms = start;
  }
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
