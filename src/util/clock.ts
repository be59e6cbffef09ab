/**
 * The clock, injectable so tests control time (the emulator layer moves it past a report's age
 * or a session's expiry without waiting).
 */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
