import type { FastifyBaseLogger } from 'fastify'
import type { Caller, Page } from '../backends/backend.js'
import type { Ctx } from '../backends/embedded/context.js'
import type { WebexHttpBackend } from '../backends/webex/index.js'
import type { Membership } from '../schemas/membership.js'
import type { Person } from '../schemas/person.js'
import type { Room } from '../schemas/room.js'
import { isComplianceOfficer } from '../auth/rules.js'
import { decodeId, type IdKind } from '../ids.js'
import { WebexError } from '../errors.js'

export interface InventoryReport {
  at: string
  people: number
  spaces: number
  memberships: number
  skipped: number
  calls: number
}

const local = (kind: IdKind, id: string | undefined): string => (id ? decodeId(kind, id) : undefined) ?? id ?? ''

/**
 * With the Webex backend, governance searches a local inventory of the organisation's spaces, because Webex
 * gives no call that lists an organisation's spaces (GET /rooms lists only the caller's own). A compliance
 * officer's token is used to page through the organisation's people, each person's memberships (officers may
 * list them without a roomId), and each space found: its details and its members (so external members and
 * their domains are known). The whole inventory is replaced in one transaction per sync, so searches never
 * see half a refresh; tags, policies, overrides and the audit stay local and keyed by space.
 *
 * Cost: 1 + P + 2S calls (P people, S spaces), spent inside the token's rate budget (WEBEX_RATE_LIMIT).
 */
export class WebexInventory {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<InventoryReport> | undefined
  private last: InventoryReport | undefined

  constructor (
    private readonly ctx: Ctx,
    private readonly backend: WebexHttpBackend,
    private readonly token: string,
    private readonly opts: { intervalMs: number; log: FastifyBaseLogger }
  ) {}

  /** Syncs now, then every interval; failures are logged and the previous inventory stays. */
  start (): void {
    const tick = (): void => {
      void this.sync()
        .catch((err: unknown) =>
          this.opts.log.error({ err }, 'The governance inventory sync failed; the previous inventory stays.')
        )
        .finally(() => {
          this.timer = setTimeout(tick, this.opts.intervalMs)
          this.timer.unref()
        })
    }
    tick()
  }

  stop (): void {
    if (this.timer) clearTimeout(this.timer)
  }

  report (): InventoryReport | undefined {
    return this.last
  }

  /** One full refresh; concurrent callers share the one in progress. */
  sync (): Promise<InventoryReport> {
    this.running ??= this.refresh().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async refresh (): Promise<InventoryReport> {
    let calls = 0
    const all = async <T>(fetch: (cursor?: string) => Promise<Page<T>>): Promise<T[]> => {
      const out: T[] = []
      let cursor: string | undefined
      do {
        calls++
        const page = await fetch(cursor)
        out.push(...page.items)
        cursor = page.cursor
      } while (cursor)
      return out
    }
    const officer: Caller | undefined = await this.backend.authenticate(this.token)
    calls++
    if (!officer || !isComplianceOfficer(officer)) {
      throw new Error("The governance token is not a compliance officer's: no inventory.")
    }

    const people = await all<Person>(cursor =>
      this.backend.listPeople(officer, { max: 1000, ...(cursor ? { cursor } : {}) })
    )
    const roomIds = new Set<string>()
    for (const p of people) {
      const ms = await all<Membership>(cursor =>
        this.backend.listMemberships(officer, { personId: p.id, max: 1000, ...(cursor ? { cursor } : {}) })
      )
      for (const m of ms) roomIds.add(m.roomId)
    }
    const spaces: Array<{ room: Room; members: Membership[] }> = []
    let skipped = 0
    for (const id of roomIds) {
      try {
        calls++
        const room = await this.backend.getRoom(officer, id)
        const members = await all<Membership>(cursor =>
          this.backend.listMemberships(officer, { roomId: id, max: 1000, ...(cursor ? { cursor } : {}) })
        )
        spaces.push({ room, members })
      } catch (err) {
        // A space of another organisation that one of ours is in: not ours to govern, and Webex says so.
        if (err instanceof WebexError && (err.statusCode === 404 || err.statusCode === 403)) {
          skipped++
          continue
        }
        throw err
      }
    }
    const report = this.apply(officer, people, spaces, skipped, calls)
    this.last = report
    this.opts.log.info(report, 'governance inventory synced')
    return report
  }

  private apply (
    officer: Caller,
    people: Person[],
    spaces: Array<{ room: Room; members: Membership[] }>,
    skipped: number,
    calls: number
  ): InventoryReport {
    const ctx = this.ctx
    const now = ctx.now()
    let memberships = 0
    ctx.tx(() => {
      const org = (id: string): void => {
        ctx.run('INSERT OR IGNORE INTO orgs (id, name, domain, created) VALUES (?,?,?,?)', id, id, `org-${id}`, now)
      }
      // Each person is written once per refresh: first from the people list (names and roles), so a membership
      // seen later (which carries only the display name) neither rewrites nor blanks them.
      const written = new Set<string>()
      const person = (
        id: string,
        orgId: string,
        email: string,
        name: string,
        first: string,
        last: string,
        roles?: string[]
      ): void => {
        if (written.has(id)) return
        written.add(id)
        org(orgId)
        ctx.run(
          `INSERT INTO people (id, org_id, email, display_name, first_name, last_name, roles, created) VALUES
            (?,?,?,?,?,?,?,?)
          ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, email = excluded.email, display_name =
          excluded.display_name,
            first_name = excluded.first_name, last_name = excluded.last_name${roles ? ', roles = excluded.roles' : ''}`,
          id,
          orgId,
          email,
          name,
          first,
          last,
          JSON.stringify(roles ?? []),
          now
        )
      }
      org(officer.orgId)
      for (const p of people) {
        person(
          local('PEOPLE', p.id),
          local('ORGANIZATION', p.orgId),
          p.emails[0] ?? `${p.id}@unknown`,
          p.displayName ?? '',
          p.firstName ?? '',
          p.lastName ?? '',
          p.roles ?? []
        )
      }
      const seen = new Set<string>()
      for (const { room, members } of spaces) {
        const id = local('ROOM', room.id)
        seen.add(id)
        const teamId = room.teamId ? local('TEAM', room.teamId) : null
        const creator = local('PEOPLE', room.creatorId)
        if (teamId) {
          ctx.run(
            'INSERT OR IGNORE INTO teams (id, name, creator_id, created) VALUES (?,?,?,?)',
            teamId,
            '',
            creator,
            room.created
          )
        }
        // An update in place, never a replace: deleting the row would drop its tags and overrides.
        ctx.run(
          `INSERT INTO rooms (id, title, type, is_locked, team_id, creator_id, org_id, created, last_activity) VALUES
            (?,?,?,?,?,?,?,?,?)
          ON CONFLICT (id) DO UPDATE SET title = excluded.title, is_locked = excluded.is_locked, team_id =
          excluded.team_id,
            last_activity = excluded.last_activity`,
          id,
          room.title ?? null,
          room.type,
          room.isLocked ? 1 : 0,
          teamId,
          creator,
          officer.orgId,
          room.created,
          room.lastActivity ?? room.created
        )
        const fresh = new Map<string, Membership>()
        for (const m of members) {
          const pid = local('PEOPLE', m.personId)
          person(
            pid,
            local('ORGANIZATION', m.personOrgId),
            m.personEmail,
            m.personDisplayName ?? m.personEmail,
            '',
            ''
          )
          fresh.set(pid, m)
        }
        for (const row of ctx.all<{ person_id: string }>('SELECT person_id FROM memberships WHERE room_id = ?', id)) {
          if (!fresh.has(row.person_id)) {
            ctx.run('DELETE FROM memberships WHERE room_id = ? AND person_id = ?', id, row.person_id)
          }
        }
        for (const [pid, m] of fresh) {
          ctx.run(
            `INSERT INTO memberships (room_id, person_id, is_moderator, created) VALUES (?,?,?,?)
            ON CONFLICT (room_id, person_id) DO UPDATE SET is_moderator = excluded.is_moderator`,
            id,
            pid,
            m.isModerator ? 1 : 0,
            m.created
          )
        }
        memberships += fresh.size
      }
      // Spaces Webex no longer shows (deleted, or everyone of ours left): out of the inventory, tags with them.
      for (const row of ctx.all<{ id: string }>('SELECT id FROM rooms WHERE org_id = ?', officer.orgId)) {
        if (seen.has(row.id)) continue
        ctx.run('DELETE FROM memberships WHERE room_id = ?', row.id)
        ctx.run('DELETE FROM rooms WHERE id = ?', row.id)
      }
    })
    return { at: now, people: people.length, spaces: spaces.length, memberships, skipped, calls }
  }
}
