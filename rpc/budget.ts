/**
 * A memory budget shared by every connection of a server: the bytes of requests being received
 * and of replies queued unsent, across all connections, stay under one limit.
 *
 * Per-connection limits alone do not bound a server: each of many connections may stay under its
 * own limits and still, together, exhaust memory (a dozen peers that never read, each with a
 * backlog of large replies). When a charge takes the total over the limit, the budget closes the
 * connection that holds the most bytes, and then the next largest, until the total fits: the
 * connection costing the most is the one misbehaving (a well-behaved client with ordinary
 * messages never holds much), and closing it frees its bytes at once, where pausing would keep
 * them. Its peer sees the connection drop; the other connections are not affected.
 *
 * @module
 */

/** One connection's share of a {@link MemoryBudget}. */
export class BudgetAccount {
  #budget: MemoryBudget;
  #used = 0;
  #evict: (() => void) | null;

  /** @internal Use {@link MemoryBudget.open}. */
  constructor(budget: MemoryBudget, evict: () => void) {
    this.#budget = budget;
    this.#evict = evict;
  }

  /** Bytes this account holds now. */
  get used(): number {
    return this.#used;
  }

  /** Whether the budget closed this account to stay within its limit. */
  get evicted(): boolean {
    return this.#evict === null && this.#budget.evictedAccount(this);
  }

  /** Adds `n` bytes; may close the largest accounts (this one included) to stay in budget. */
  charge(n: number): void {
    if (n <= 0 || this.#evict === null) return;
    this.#used += n;
    this.#budget.add(n);
  }

  /** Returns `n` bytes (at most what the account holds). */
  release(n: number): void {
    const k = Math.min(n, this.#used);
    if (k <= 0) return;
    this.#used -= k;
    this.#budget.add(-k);
  }

  /** Releases everything and leaves the budget (the connection ended). */
  close(): void {
    this.release(this.#used);
    this.#evict = null;
    this.#budget.forget(this);
  }

  /** @internal Closes the connection on the budget's behalf. */
  evict(): void {
    const evict = this.#evict;
    this.close();
    evict?.();
  }
}

/** The shared budget; see the module docs. */
export class MemoryBudget {
  /** The limit, in bytes. */
  readonly limit: number;
  #total = 0;
  #accounts = new Set<BudgetAccount>();
  #evicted = new WeakSet<BudgetAccount>();
  #reclaiming = false;

  /** A budget of `limit` bytes (Infinity: accounting only). */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held across all accounts. */
  get used(): number {
    return this.#total;
  }

  /** Opens an account; `evict` closes its connection when the budget reclaims it. */
  open(evict: () => void): BudgetAccount {
    const a = new BudgetAccount(this, evict);
    this.#accounts.add(a);
    return a;
  }

  /** @internal */
  add(n: number): void {
    this.#total += n;
    if (this.#total > this.limit && !this.#reclaiming) this.#reclaim();
  }

  /** @internal */
  forget(a: BudgetAccount): void {
    this.#accounts.delete(a);
  }

  /** @internal */
  evictedAccount(a: BudgetAccount): boolean {
    return this.#evicted.has(a);
  }

  #reclaim(): void {
    this.#reclaiming = true;
    try {
      while (this.#total > this.limit) {
        let largest: BudgetAccount | null = null;
        for (const a of this.#accounts) if (largest === null || a.used > largest.used) largest = a;
        if (largest === null || largest.used === 0) return;
        this.#evicted.add(largest);
        largest.evict();
      }
    } finally {
      this.#reclaiming = false;
    }
  }
}
