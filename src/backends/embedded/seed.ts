import { createHash } from 'node:crypto'
import type { AsyncStore } from '../../store/db.js'
import { DEMO } from '../../demo.js'

export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Both token forms of each demo person (the Webex-shaped one and the old alias), also in a store seeded by an
 * earlier release, so an upgraded demo accepts the tokens the README now shows.
 */
async function demoTokens (store: AsyncStore): Promise<void> {
  const add = 'INSERT INTO tokens (token_hash, person_id, label) VALUES (?,?,?) ON CONFLICT DO NOTHING'
  for (const [key, p] of Object.entries(DEMO.people)) {
    if (!(await store.get('SELECT 1 FROM people WHERE id = ?', p.id))) continue
    await store.run(add, hashToken(DEMO.tokens[key as keyof typeof DEMO.tokens]), p.id, key)
    await store.run(add, hashToken(DEMO.aliases[key as keyof typeof DEMO.aliases]), p.id, `${key} (alias)`)
  }
}

/** Seeds the demo organisation into an empty store; returns false when the store already holds data. */
export function seedDemo (store: AsyncStore, now: string): Promise<boolean> {
  // Serializable, retried: instances starting together on one PostgreSQL database seed it once.
  return store.tx(() => seedOnce(store, now), { isolation: 'serializable', retries: 5 })
}

async function seedOnce (store: AsyncStore, now: string): Promise<boolean> {
  if (await store.get('SELECT 1 FROM orgs LIMIT 1')) {
    await demoTokens(store)
    return false
  }
  {
    const d = DEMO
    const ins = async (sql: string, ...p: unknown[]): Promise<void> => {
      await store.run(sql, ...p)
    }
    await ins(
      'INSERT INTO orgs (id, name, domain, created) VALUES (?,?,?,?)',
      d.orgId,
      'Example Corp',
      'example.com',
      now
    )
    await ins(
      'INSERT INTO orgs (id, name, domain, created) VALUES (?,?,?,?)',
      d.partner.orgId,
      'Partner Ltd',
      'partner.test',
      now
    )
    const person = async (
      id: string,
      org: string,
      email: string,
      first: string,
      last: string,
      roles: string[],
      phone: string
    ): Promise<void> => {
      await ins(
        `INSERT INTO people (id, org_id, email, display_name, first_name, last_name, nick_name, avatar,
          phone_numbers, roles, status, type, created, last_activity)
        VALUES (?,?,?,?,?,?,?,?,?,?,'active','person',?,?)`,
        id,
        org,
        email,
        `${first} ${last}`,
        first,
        last,
        first,
        `https://avatars.example.com/${first.toLowerCase()}.png`,
        JSON.stringify([{ type: 'work', value: phone }]),
        JSON.stringify(roles),
        now,
        now
      )
    }
    let n = 100
    for (const p of Object.values(d.people)) {
      await person(p.id, d.orgId, p.email, p.first, p.last, p.roles, `+1 555 0${n++}`)
    }
    await person(
      d.partner.id,
      d.partner.orgId,
      d.partner.email,
      d.partner.first,
      d.partner.last,
      [],
      '+44 20 7946 0000'
    )
    const { alice, bob, dave } = d.people
    await ins(
      'INSERT INTO teams (id, name, description, creator_id, created) VALUES (?,?,?,?,?)',
      d.teamId,
      'Product',
      'The product team',
      alice.id,
      now
    )
    await ins(
      'INSERT INTO team_memberships (team_id, person_id, is_moderator, created) VALUES (?,?,1,?)',
      d.teamId,
      alice.id,
      now
    )
    await ins(
      'INSERT INTO team_memberships (team_id, person_id, is_moderator, created) VALUES (?,?,0,?)',
      d.teamId,
      bob.id,
      now
    )
    const room = async (
      id: string,
      title: string | null,
      type: string,
      locked: number,
      team: string | null,
      directKey: string | null
    ): Promise<void> => {
      await ins(
        `INSERT INTO rooms (id, title, type, is_locked, team_id, creator_id, org_id, direct_key, created, last_activity)
        VALUES (?,?,?,?,?,?,?,?,?,?)`,
        id,
        title,
        type,
        locked,
        team,
        alice.id,
        d.orgId,
        directKey,
        now,
        now
      )
    }
    await room(d.rooms.general, 'Product', 'group', 0, d.teamId, null)
    await room(d.rooms.apollo, 'Project Apollo', 'group', 0, null, null)
    await room(d.rooms.finance, 'Finance Q4', 'group', 1, null, null)
    // Locked and in announcement mode: only its moderator (Alice) posts.
    await ins('UPDATE rooms SET is_announcement_only = 1 WHERE id = ?', d.rooms.finance)
    await room(d.rooms.direct, null, 'direct', 0, null, [alice.id, bob.id].sort().join(':'))
    const member = async (roomId: string, personId: string, moderator: number): Promise<void> => {
      await ins(
        'INSERT INTO memberships (room_id, person_id, is_moderator, created) VALUES (?,?,?,?)',
        roomId,
        personId,
        moderator,
        now
      )
    }
    await member(d.rooms.general, alice.id, 1)
    await member(d.rooms.general, bob.id, 0)
    await member(d.rooms.apollo, alice.id, 0)
    await member(d.rooms.apollo, bob.id, 0)
    await member(d.rooms.finance, alice.id, 1)
    await member(d.rooms.finance, dave.id, 0)
    await member(d.rooms.direct, alice.id, 0)
    await member(d.rooms.direct, bob.id, 0)
    await ins(
      `INSERT INTO messages (id, room_id, person_id, text, markdown, files, mentioned_people, mentioned_groups, created)
      VALUES (?,?,?,?,?,'[]','[]','[]',?)`,
      d.messages.welcome,
      d.rooms.apollo,
      alice.id,
      'Welcome to Project Apollo!',
      'Welcome to **Project Apollo**!',
      now
    )
    const info = (await store.get<{ seq: number }>(
      `INSERT INTO messages (id, room_id, person_id, text, markdown, files, mentioned_people, mentioned_groups,
          created)
      VALUES (?,?,?,?,?,'[]',?,'[]',?) RETURNING seq`,
      d.messages.mention,
      d.rooms.apollo,
      alice.id,
      'Bob Smith, can you review the plan?',
        `<@personEmail:${bob.email}|Bob Smith>, can you review the plan?`,
        JSON.stringify([bob.id]),
        now
    ))!
    await ins(
      'INSERT INTO message_mentions (message_seq, room_id, person_id) VALUES (?,?,?)',
      info.seq,
      d.rooms.apollo,
      bob.id
    )
  }
  await demoTokens(store)
  return true
}
