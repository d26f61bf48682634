import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { newUuid } from '../ids.js'
import type { Caller } from '../backends/backend.js'
import type { Ctx } from '../backends/embedded/context.js'
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

export function listTags (ctx: Ctx, caller: Caller): Tag[] {
  return ctx.all<TagRow>('SELECT * FROM tags WHERE org_id = ? ORDER BY name COLLATE NOCASE', caller.orgId).map(toTag)
}

function tagRow (ctx: Ctx, caller: Caller, tagId: string): TagRow {
  const row = ctx.get<TagRow>('SELECT * FROM tags WHERE id = ? AND org_id = ?', tagId, caller.orgId)
  if (!row) throw new NotFoundError('No tag of your organisation has this id.')
  return row
}

function assertFree (ctx: Ctx, caller: Caller, name: string, except?: string): void {
  const clash = ctx.get<TagRow>('SELECT * FROM tags WHERE org_id = ? AND name = ? COLLATE NOCASE', caller.orgId, name)
  if (clash && clash.id !== except) throw new ConflictError(`A tag named "${clash.name}" already exists.`)
}

export function createTag (ctx: Ctx, caller: Caller, name: string): Tag {
  return ctx.tx(() => {
    assertFree(ctx, caller, name)
    const id = newUuid()
    ctx.run('INSERT INTO tags (id, org_id, name, created) VALUES (?,?,?,?)', id, caller.orgId, name.trim(), ctx.now())
    audit(ctx, { orgId: caller.orgId, actorId: caller.personId, action: 'tag.created', detail: { tagId: id, name } })
    return toTag(tagRow(ctx, caller, id))
  })
}

export function renameTag (ctx: Ctx, caller: Caller, tagId: string, name: string): Tag {
  return ctx.tx(() => {
    const row = tagRow(ctx, caller, tagId)
    assertFree(ctx, caller, name, row.id)
    ctx.run('UPDATE tags SET name = ? WHERE id = ?', name.trim(), row.id)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: 'tag.renamed',
      detail: { tagId, from: row.name, to: name },
    })
    return toTag(tagRow(ctx, caller, tagId))
  })
}

export function deleteTag (ctx: Ctx, caller: Caller, tagId: string): void {
  ctx.tx(() => {
    const row = tagRow(ctx, caller, tagId)
    ctx.run('DELETE FROM space_tags WHERE tag_id = ?', row.id)
    ctx.run('DELETE FROM tags WHERE id = ?', row.id)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: 'tag.deleted',
      detail: { tagId, name: row.name },
    })
  })
}

export function tagSpace (ctx: Ctx, caller: Caller, roomId: string, tagId: string, on: boolean): void {
  ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    const tag = tagRow(ctx, caller, tagId)
    if (on) ctx.run('INSERT OR IGNORE INTO space_tags (room_seq, tag_id) VALUES (?,?)', room.seq, tag.id)
    else ctx.run('DELETE FROM space_tags WHERE room_seq = ? AND tag_id = ?', room.seq, tag.id)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: on ? 'space.tagged' : 'space.untagged',
      detail: { tag: tag.name },
    })
  })
}

/** Tag ids for names, for search: an unknown name matches nothing rather than failing the search. */
export function tagIdsByName (ctx: Ctx, orgId: string, names: string[]): string[] {
  return names.map(
    n =>
      ctx.get<{ id: string }>('SELECT id FROM tags WHERE org_id = ? AND name = ? COLLATE NOCASE', orgId, n.trim())
        ?.id ?? ''
  )
}

export function validTagId (tagId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(tagId)) throw new BadRequestError('tagId is not a valid tag id.')
  return tagId
}
