import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { newUuid } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import type { Tag } from '../schemas/governance.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'

interface TagRow {
  seq: number
  id: string
  org_id: string
  name: string
  created: string
}

// TAG is not a Webex id kind, so tag ids are plain uuids.
const toTag = (r: TagRow): Tag => ({ id: r.id, name: r.name, created: r.created })

export async function listTags (ctx: Ctx, caller: Caller): Promise<Tag[]> {
  return await (await ctx.all<TagRow>(
    'SELECT * FROM tags WHERE org_id = ? ORDER BY name COLLATE NOCASE',
    caller.orgId
  )).map(toTag)
}

async function tagRow (ctx: Ctx, caller: Caller, tagId: string): Promise<TagRow> {
  const row = await ctx.get<TagRow>('SELECT * FROM tags WHERE id = ? AND org_id = ?', tagId, caller.orgId)
  if (!row) throw new NotFoundError('No tag of your organisation has this id.')
  return row
}

async function assertFree (ctx: Ctx, caller: Caller, name: string, except?: string): Promise<void> {
  const clash = await ctx.get<TagRow>(
    'SELECT * FROM tags WHERE org_id = ? AND name = ? COLLATE NOCASE',
    caller.orgId,
    name
  )
  if (clash && clash.id !== except) throw new ConflictError(`A tag named "${clash.name}" already exists.`)
}

export async function createTag (ctx: Ctx, caller: Caller, name: string): Promise<Tag> {
  return await ctx.tx(async () => {
    await assertFree(ctx, caller, name)
    const id = newUuid()
    await ctx.run(
      'INSERT INTO tags (id, org_id, name, created) VALUES (?,?,?,?)',
      id,
      caller.orgId,
      name.trim(),
      ctx.now()
    )
    await audit(
      ctx,
      { orgId: caller.orgId, actorId: caller.personId, action: 'tag.created', detail: { tagId: id, name } }
    )
    return toTag(await tagRow(ctx, caller, id))
  })
}

export async function renameTag (ctx: Ctx, caller: Caller, tagId: string, name: string): Promise<Tag> {
  return await ctx.tx(async () => {
    const row = await tagRow(ctx, caller, tagId)
    await assertFree(ctx, caller, name, row.id)
    await ctx.run('UPDATE tags SET name = ? WHERE id = ?', name.trim(), row.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: 'tag.renamed',
      detail: { tagId, from: row.name, to: name },
    })
    return toTag(await tagRow(ctx, caller, tagId))
  })
}

export async function deleteTag (ctx: Ctx, caller: Caller, tagId: string): Promise<void> {
  await ctx.tx(async () => {
    const row = await tagRow(ctx, caller, tagId)
    await ctx.run('DELETE FROM space_tags WHERE tag_id = ?', row.id)
    await ctx.run('DELETE FROM tags WHERE id = ?', row.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: 'tag.deleted',
      detail: { tagId, name: row.name },
    })
  })
}

export async function tagSpace (ctx: Ctx, caller: Caller, roomId: string, tagId: string, on: boolean): Promise<void> {
  await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    const tag = await tagRow(ctx, caller, tagId)
    if (on) {
      await ctx.run(
        'INSERT INTO space_tags (room_seq, tag_id) VALUES (?,?) ON CONFLICT DO NOTHING',
        room.seq,
        tag.id
      )
    } else await ctx.run('DELETE FROM space_tags WHERE room_seq = ? AND tag_id = ?', room.seq, tag.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: on ? 'space.tagged' : 'space.untagged',
      detail: { tag: tag.name },
    })
  })
}

/** Tag ids for names, for search: an unknown name matches nothing rather than failing the search. */
export async function tagIdsByName (ctx: Ctx, orgId: string, names: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const n of names) {
    const row = await ctx.get<{ id: string }>(
      'SELECT id FROM tags WHERE org_id = ? AND name = ? COLLATE NOCASE',
      orgId,
      n.trim()
    )
    ids.push(row?.id ?? '')
  }
  return ids
}

export function validTagId (tagId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(tagId)) throw new BadRequestError('tagId is not a valid tag id.')
  return tagId
}
