import { ConflictError, NotFoundError } from '../errors.js'
import { encodeId, newUuid } from '../ids.js'
import type { Caller } from '../backends/backend.js'
import type { Ctx } from '../backends/embedded/context.js'
import { resolvePerson } from '../backends/embedded/people.js'
import { audit } from './audit.js'
import { decodeGroup } from './search.js'

interface GroupRow {
  id: string
  name: string
  description: string | null
  created: string
}

/** Directory groups (the seed's "Active Directory groups"): named sets of people that search and policies use. */
function toGroup (ctx: Ctx, g: GroupRow) {
  const memberIds = ctx
    .all<{ person_id: string }>('SELECT person_id FROM group_members WHERE group_id = ? ORDER BY person_id', g.id)
    .map(m => encodeId('PEOPLE', m.person_id))
  return {
    id: g.id,
    name: g.name,
    ...(g.description ? { description: g.description } : {}),
    memberIds,
    created: g.created,
  }
}

export function listGroups (ctx: Ctx, caller: Caller) {
  return ctx
    .all<GroupRow>('SELECT * FROM directory_groups WHERE org_id = ? ORDER BY name COLLATE NOCASE', caller.orgId)
    .map(g => toGroup(ctx, g))
}

export function createGroup (
  ctx: Ctx,
  caller: Caller,
  body: { name: string; description?: string; memberEmails?: string[] }
) {
  return ctx.tx(() => {
    if (
      ctx.get('SELECT 1 FROM directory_groups WHERE org_id = ? AND name = ? COLLATE NOCASE', caller.orgId, body.name)
    ) {
      throw new ConflictError(`A group named "${body.name}" already exists.`)
    }
    const id = newUuid()
    ctx.run(
      'INSERT INTO directory_groups (id, org_id, name, description, created) VALUES (?,?,?,?,?)',
      id,
      caller.orgId,
      body.name,
      body.description ?? null,
      ctx.now()
    )
    for (const email of body.memberEmails ?? []) {
      ctx.run(
        'INSERT OR IGNORE INTO group_members (group_id, person_id) VALUES (?,?)',
        id,
        resolvePerson(ctx, { personEmail: email }, 'memberEmails').id
      )
    }
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: 'group.created',
      detail: { groupId: id, name: body.name },
    })
    return toGroup(ctx, ctx.get<GroupRow>('SELECT * FROM directory_groups WHERE id = ?', id)!)
  })
}

export function setGroupMember (ctx: Ctx, caller: Caller, groupId: string, personEmail: string, member: boolean) {
  return ctx.tx(() => {
    const g = ctx.get<GroupRow>(
      'SELECT * FROM directory_groups WHERE id = ? AND org_id = ?',
      decodeGroup(groupId),
      caller.orgId
    )
    if (!g) throw new NotFoundError('No group of your organisation has this id.')
    const person = resolvePerson(ctx, { personEmail }, 'personEmail')
    if (member) ctx.run('INSERT OR IGNORE INTO group_members (group_id, person_id) VALUES (?,?)', g.id, person.id)
    else ctx.run('DELETE FROM group_members WHERE group_id = ? AND person_id = ?', g.id, person.id)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: member ? 'group.memberAdded' : 'group.memberRemoved',
      detail: { groupId: g.id, email: person.email },
    })
    return toGroup(ctx, g)
  })
}
