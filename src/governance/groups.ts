import { ConflictError, NotFoundError } from '../errors.js'
import { encodeId, newUuid } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { resolvePerson } from '../spaces/people.js'
import { audit } from './audit.js'
import { decodeGroup } from './search.js'

interface GroupRow {
  id: string
  name: string
  description: string | null
  created: string
}

/** Directory groups (the seed's "Active Directory groups"): named sets of people that search and policies use. */
async function toGroup (ctx: Ctx, g: GroupRow) {
  const memberIds = (await ctx
    .all<{ person_id: string }>('SELECT person_id FROM group_members WHERE group_id = ? ORDER BY person_id', g.id))
    .map(m => encodeId('PEOPLE', m.person_id))
  return {
    id: g.id,
    name: g.name,
    ...(g.description ? { description: g.description } : {}),
    memberIds,
    created: g.created,
  }
}

export async function listGroups (ctx: Ctx, caller: Caller) {
  const groups: Array<Awaited<ReturnType<typeof toGroup>>> = []
  for (const g of await ctx.all<GroupRow>(
    'SELECT * FROM directory_groups WHERE org_id = ? ORDER BY name COLLATE NOCASE',
    caller.orgId
  )) {
    groups.push(await toGroup(ctx, g))
  }
  return groups
}

export async function createGroup (
  ctx: Ctx,
  caller: Caller,
  body: { name: string; description?: string; memberEmails?: string[] }
) {
  return await ctx.tx(async () => {
    if (
      await ctx.get(
        'SELECT 1 FROM directory_groups WHERE org_id = ? AND name = ? COLLATE NOCASE',
        caller.orgId,
        body.name
      )
    ) {
      throw new ConflictError(`A group named "${body.name}" already exists.`)
    }
    const id = newUuid()
    await ctx.run(
      'INSERT INTO directory_groups (id, org_id, name, description, created) VALUES (?,?,?,?,?)',
      id,
      caller.orgId,
      body.name,
      body.description ?? null,
      ctx.now()
    )
    for (const email of body.memberEmails ?? []) {
      await ctx.run(
        'INSERT INTO group_members (group_id, person_id) VALUES (?,?) ON CONFLICT DO NOTHING',
        id,
        (await resolvePerson(ctx, { personEmail: email }, 'memberEmails')).id
      )
    }
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: 'group.created',
      detail: { groupId: id, name: body.name },
    })
    return toGroup(ctx, (await ctx.get<GroupRow>('SELECT * FROM directory_groups WHERE id = ?', id))!)
  })
}

export async function setGroupMember (ctx: Ctx, caller: Caller, groupId: string, personEmail: string, member: boolean) {
  return await ctx.tx(async () => {
    const g = await ctx.get<GroupRow>(
      'SELECT * FROM directory_groups WHERE id = ? AND org_id = ?',
      decodeGroup(groupId),
      caller.orgId
    )
    if (!g) throw new NotFoundError('No group of your organisation has this id.')
    const person = await resolvePerson(ctx, { personEmail }, 'personEmail')
    if (member) {
      await ctx.run(
        'INSERT INTO group_members (group_id, person_id) VALUES (?,?) ON CONFLICT DO NOTHING',
        g.id,
        person.id
      )
    } else await ctx.run('DELETE FROM group_members WHERE group_id = ? AND person_id = ?', g.id, person.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: member ? 'group.memberAdded' : 'group.memberRemoved',
      detail: { groupId: g.id, email: person.email },
    })
    return toGroup(ctx, g)
  })
}
