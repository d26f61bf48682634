import type { PostgresStore } from '../postgres.js'

/** Slots older than this are forgotten (a schedule never looks back that far). */
const KEEP_MS = 7 * 86_400_000

/**
 * Schedules that fire once for the cluster (recurrences, polls, the daily retention run): every instance keeps
 * its own timer, and before firing takes the slot (schedule, occurrence) with an INSERT ... ON CONFLICT DO
 * NOTHING in `schedule_slots`. The primary key lets exactly one insert win; the losers skip that occurrence.
 * Taken inside the transaction that records what the firing does, a slot and its effect commit together.
 */
export class ScheduleSlots {
  private taken = 0

  constructor (
    private readonly store: PostgresStore,
    private readonly holder: string
  ) {}

  /** True for the one caller in the cluster that takes (name, slot); `atMs` is the occurrence's time. */
  async take (name: string, slot: string, atMs: number): Promise<boolean> {
    const row = await this.store.get(
      `INSERT INTO schedule_slots (name, slot, holder, at_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (name, slot) DO NOTHING RETURNING holder`,
      name,
      slot,
      this.holder,
      atMs
    )
    if (++this.taken % 100 === 0) {
      await this.store.run("DELETE FROM schedule_slots WHERE at_ms < ? AND slot <> 'since'", atMs - KEEP_MS)
    }
    return row !== undefined
  }

  /** Gives a slot back (its work failed), so the next tick of any instance may take it again. */
  async release (name: string, slot: string): Promise<void> {
    await this.store.run(
      'DELETE FROM schedule_slots WHERE name = ? AND slot = ? AND holder = ?',
      name,
      slot,
      this.holder
    )
  }

  /**
   * The time a schedule without a start time counts from, the same on every instance: the first instance to
   * ask records `fallback` (its own start), the others read it.
   */
  async since (name: string, fallback: number): Promise<number> {
    await this.store.run(
      `INSERT INTO schedule_slots (name, slot, holder, at_ms) VALUES (?, 'since', ?, ?)
      ON CONFLICT (name, slot) DO NOTHING`,
      name,
      this.holder,
      fallback
    )
    const row = await this.store.get<{ at_ms: number }>(
      "SELECT at_ms FROM schedule_slots WHERE name = ? AND slot = 'since'",
      name
    )
    return row?.at_ms ?? fallback
  }
}
