// Per-user cooldown: a user may start one compose every `seconds`. Only served requests keep a cooldown: one that
// is refused, fails or has bad input is taken back (cancel).
export class Cooldown {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whole seconds `userId` must still wait (0: may go now). */
  remaining(userId: string): number {
    const until = this.until.get(userId);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.until.delete(userId);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  /** Takes back a cooldown started for a request that was not served after all. */
  cancel(userId: string): void {
    this.until.delete(userId);
  }

  start(userId: string): void {
    if (this.seconds <= 0) return;
    this.until.set(userId, this.now() + this.seconds * 1000);
    // Keep the map from growing without bound on a busy bot.
    if (this.until.size > 10_000) {
      const now = this.now();
      for (const [user, until] of this.until) if (until <= now) this.until.delete(user);
    }
  }
}
