import type { RowWatcher } from '../../store/sqlite-store.js'

/**
 * Who is a member of which space, kept in memory for the fan-out (SQLite): it asks for the owner of every
 * subscription of every event, inside the event's transaction, and the answer rarely changes. Correct inside
 * transactions, where a membership written (or removed) earlier in the same transaction must count:
 *
 * - every row change of `memberships` reaches `member:<person>` as its statement runs (store/sqlite-changes.ts),
 *   and drops that person's answers at once;
 * - a person whose memberships were written since the connection was last outside a transaction is *unsettled*:
 *   their answers are read, never kept, until the transaction commits or rolls back (a kept answer could hold a
 *   membership rolled back);
 * - an answer read while any membership changed (the read waited for the connection) is not kept either.
 *
 * So a kept answer is the committed one, and stays so until a write of that person's memberships. Writes by
 * another connection are not seen, as with the read cache: the other threads write no memberships.
 */
export class MemberCache implements RowWatcher {
  /** person → space → member. */
  private readonly known = new Map<string, Map<string, boolean>>()
  private size = 0
  private readonly unsettled = new Set<string>()
  /** Membership row changes so far. */
  private changes = 0

  constructor (
    private readonly lookup: (roomId: string, personId: string) => Promise<boolean>,
    private readonly maxEntries = 50_000
  ) {}

  touched (scope: string): void {
    if (!scope.startsWith('member:')) return
    const personId = scope.slice('member:'.length)
    this.changes++
    this.unsettled.add(personId)
    const rooms = this.known.get(personId)
    if (!rooms) return
    this.size -= rooms.size
    this.known.delete(personId)
  }

  settled (): void {
    if (this.unsettled.size > 0) this.unsettled.clear()
  }

  async isMember (roomId: string, personId: string): Promise<boolean> {
    const hit = this.known.get(personId)?.get(roomId)
    if (hit !== undefined) return hit
    const keep = !this.unsettled.has(personId)
    const changes = this.changes
    const member = await this.lookup(roomId, personId)
    if (!keep || changes !== this.changes) return member
    if (this.size >= this.maxEntries) {
      this.known.clear()
      this.size = 0
    }
    let rooms = this.known.get(personId)
    if (!rooms) this.known.set(personId, (rooms = new Map()))
    rooms.set(roomId, member)
    this.size++
    return member
  }
}
