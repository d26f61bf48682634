import type { Ctx } from '../../store/ctx.js'
import type { Membership } from '../../schemas/membership.js'
import type { Person } from '../../schemas/person.js'
import type { Room } from '../../schemas/room.js'
import { decodeId, type IdKind } from '../../ids.js'

/** A Webex id's local uuid (the store's key), or the id itself when it is not in Webex's shape. */
export const local = (kind: IdKind, id: string | undefined): string =>
  (id ? decodeId(kind, id) : undefined) ?? id ?? ''

/**
 * The governance store's copy of what Webex holds (spaces, people, memberships, and each space's message
 * index: ids and times, never text), written by the full refresh, the events follower and the actions
 * alike. Every write is an update in place, so tags, holds and overrides stay with their spaces. Callers run
 * these inside a transaction.
 */
export class Mirror {
  constructor (private readonly ctx: Ctx) {}

  async org (id: string): Promise<void> {
    await this.ctx.run(
      'INSERT INTO orgs (id, name, domain, created) VALUES (?,?,?,?) ON CONFLICT DO NOTHING',
      id,
      id,
      `org-${id}`,
      this.ctx.now()
    )
  }

  /** A person as the people list describes them (names and roles), or as a membership does (`roles` absent). */
  async person (p: {
    id: string
    orgId: string
    email: string
    displayName: string
    first?: string
    last?: string
    roles?: string[]
  }): Promise<void> {
    await this.org(p.orgId)
    await this.ctx.run(
      `INSERT INTO people (id, org_id, email, display_name, first_name, last_name, roles, created) VALUES
        (?,?,?,?,?,?,?,?)
      ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, email = excluded.email,
        display_name = excluded.display_name${
          p.roles ? ', first_name = excluded.first_name, last_name = excluded.last_name, roles = excluded.roles' : ''
        }`,
      p.id,
      p.orgId,
      p.email,
      p.displayName,
      p.first ?? '',
      p.last ?? '',
      JSON.stringify(p.roles ?? []),
      this.ctx.now()
    )
  }

  async personFrom (p: Person): Promise<void> {
    await this.person({
      id: local('PEOPLE', p.id),
      orgId: local('ORGANIZATION', p.orgId),
      email: p.emails[0] ?? `${p.id}@unknown`,
      displayName: p.displayName ?? '',
      first: p.firstName ?? '',
      last: p.lastName ?? '',
      roles: p.roles ?? [],
    })
  }

  /** A space as Webex shows it, owned by `orgId` (the officer's organisation). */
  async room (room: Room, orgId: string): Promise<string> {
    const id = local('ROOM', room.id)
    const teamId = room.teamId ? local('TEAM', room.teamId) : null
    const creator = local('PEOPLE', room.creatorId)
    if (teamId) {
      await this.ctx.run(
        'INSERT INTO teams (id, name, creator_id, created) VALUES (?,?,?,?) ON CONFLICT DO NOTHING',
        teamId,
        '',
        creator,
        room.created
      )
    }
    const title = room.title ?? null
    const activity = room.lastActivity ?? room.created
    const classification = room.classificationId ? local('CLASSIFICATION', room.classificationId) : null
    // An UPDATE, then an INSERT if there was nothing to update: an upsert's conflict clause would override the
    // OR IGNORE of the search triggers' own inserts.
    const changed = await this.ctx.run(
      `UPDATE rooms SET title = ?, is_locked = ?, team_id = ?, last_activity = ?, classification_id = ?
      WHERE id = ?`,
      title,
      room.isLocked ? 1 : 0,
      teamId,
      activity,
      classification,
      id
    )
    if (changed === 0) {
      await this.ctx.run(
        `INSERT INTO rooms (id, title, type, is_locked, team_id, creator_id, org_id, created, last_activity,
          classification_id)
        VALUES (?,?,?,?,?,?,?,?,?,?)`,
        id,
        title,
        room.type,
        room.isLocked ? 1 : 0,
        teamId,
        creator,
        orgId,
        room.created,
        activity,
        classification
      )
    }
    return id
  }

  /** A membership (and its person, as much as a membership tells of them). */
  async membership (m: Membership): Promise<void> {
    const roomId = local('ROOM', m.roomId)
    const personId = local('PEOPLE', m.personId)
    if (!await this.ctx.get('SELECT 1 FROM people WHERE id = ?', personId)) {
      await this.person({
        id: personId,
        orgId: local('ORGANIZATION', m.personOrgId),
        email: m.personEmail,
        displayName: m.personDisplayName ?? m.personEmail,
      })
    }
    const moderator = m.isModerator ? 1 : 0
    if (
      await this.ctx.run(
        'UPDATE memberships SET is_moderator = ? WHERE room_id = ? AND person_id = ?',
        moderator,
        roomId,
        personId
      ) === 0
    ) {
      await this.ctx.run(
        'INSERT INTO memberships (room_id, person_id, is_moderator, created) VALUES (?,?,?,?)',
        roomId,
        personId,
        moderator,
        m.created
      )
    }
  }

  async dropMembership (roomId: string, personId: string): Promise<void> {
    await this.ctx.run('DELETE FROM memberships WHERE room_id = ? AND person_id = ?', roomId, personId)
  }

  /** Makes the space's members exactly `members`. */
  async members (roomId: string, members: Membership[]): Promise<void> {
    const fresh = new Set(members.map(m => local('PEOPLE', m.personId)))
    for (const row of await this.ctx.all<{ person_id: string }>(
      'SELECT person_id FROM memberships WHERE room_id = ?',
      roomId
    )) {
      if (!fresh.has(row.person_id)) await this.dropMembership(roomId, row.person_id)
    }
    for (const m of members) await this.membership(m)
  }

  /** The space leaves the inventory (deleted at Webex, or no longer ours), with what is kept of it here. */
  async dropRoom (roomId: string): Promise<void> {
    await this.ctx.run('DELETE FROM messages WHERE room_id = ?', roomId)
    await this.ctx.run('DELETE FROM message_index WHERE room_id = ?', roomId)
    await this.ctx.run('DELETE FROM memberships WHERE room_id = ?', roomId)
    await this.ctx.run('DELETE FROM rooms WHERE id = ?', roomId)
  }

  async activity (roomId: string, at: string): Promise<void> {
    await this.ctx.run('UPDATE rooms SET last_activity = max(last_activity, ?) WHERE id = ?', at, roomId)
  }

  /** One message of a space's index: its id, author and time (the search index keeps the times: marked). */
  async message (roomId: string, m: { id: string; personId: string; created: string }): Promise<void> {
    await this.ctx.run(
      'INSERT INTO messages (id, room_id, person_id, created) VALUES (?,?,?,?) ON CONFLICT DO NOTHING',
      local('MESSAGE', m.id),
      roomId,
      local('PEOPLE', m.personId),
      m.created
    )
    await this.ctx.run('INSERT INTO search_dirty SELECT seq FROM rooms WHERE id = ? ON CONFLICT DO NOTHING', roomId)
  }

  async dropMessages (ids: string[]): Promise<void> {
    for (const id of ids) await this.ctx.run('DELETE FROM messages WHERE id = ?', id)
  }

  async known (roomId: string): Promise<boolean> {
    return await this.ctx.get('SELECT 1 FROM rooms WHERE id = ?', roomId) !== undefined
  }

  async indexed (roomId: string): Promise<boolean> {
    return await this.ctx.get('SELECT 1 FROM message_index WHERE room_id = ?', roomId) !== undefined
  }
}
