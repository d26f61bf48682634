import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId } from '../../ids.js'
import { assertMember, assertNotBlocked, isComplianceOfficer } from '../../auth/rules.js'
import { MAX_EDITS, type EditMessageBody, type ListMessagesQuery, type Message } from '../../schemas/message.js'
import type { Caller, Page, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'
import { toMessage, type MembershipRow, type MessageRow, type PersonRow, type RoomRow } from '../../domain/rows.js'
import { memberView, readableSpace, spaceView } from '../../spaces/space.js'
import { checkLength, recordMentions, removeMessage, renderText, slim } from '../../spaces/messages.js'

export async function listMessages (ctx: Ctx, caller: Caller, q: Paged<ListMessagesQuery>): Promise<Page<Message>> {
  const { room } = await readableSpace(ctx, caller, q.roomId)
  const where = ['m.room_id = ?']
  const params: unknown[] = [room.id]
  let from = 'messages m'
  if (q.mentionedPeople !== undefined) {
    const me = q.mentionedPeople === 'me' ? caller.personId : decodeId('PEOPLE', q.mentionedPeople)
    if (me !== caller.personId) {
      throw new BadRequestError("mentionedPeople accepts only 'me' or the caller's own person id.")
    }
    from = 'message_mentions mm JOIN messages m ON m.seq = mm.message_seq'
    where.push('mm.room_id = ? AND mm.person_id = ?')
    params.push(room.id, me)
  }
  if (q.parentId !== undefined) {
    const parent = decodeId('MESSAGE', q.parentId)
    if (!parent) throw new BadRequestError('parentId is not a valid message id.')
    where.push('m.parent_id = ?')
    params.push(parent)
  }
  if (q.before !== undefined) {
    where.push('m.created < ?')
    params.push(new Date(q.before).toISOString())
  }
  if (q.beforeMessage !== undefined) {
    const local = decodeId('MESSAGE', q.beforeMessage)
    if (!local) throw new BadRequestError('beforeMessage is not a valid message id.')
    const anchor = await ctx.get<{ seq: number }>(
      'SELECT seq FROM messages WHERE id = ? AND room_id = ?',
      local,
      room.id
    )
    if (!anchor) throw new NotFoundError('beforeMessage names no message of this space.')
    where.push('m.seq < ?')
    params.push(anchor.seq)
  }
  const after = decodeCursor(q.cursor, ['number'])
  if (after) {
    where.push('m.seq < ?')
    params.push(after[0])
  }
  const rows = await ctx.all<MessageRow>(
    `SELECT m.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY m.seq DESC LIMIT ?`,
    ...params,
    q.max + 1
  )
  // The page's authors in one statement, not one per author (a round trip each on PostgreSQL).
  const ids = [...new Set(rows.slice(0, q.max).map(r => r.person_id))]
  const authors = new Map<string, PersonRow>()
  if (ids.length > 0) {
    const marks = ids.map(() => '?').join(',')
    const people = await ctx.all<PersonRow>(`SELECT * FROM people WHERE id IN (${marks})`, ...ids)
    for (const p of people) authors.set(p.id, p)
  }
  return toPage(
    rows,
    q.max,
    r => toMessage(r, authors.get(r.person_id) as PersonRow, room.type),
    r => [r.seq]
  )
}

async function findMessage (
  ctx: Ctx,
  caller: Caller,
  messageId: string
): Promise<{ row: MessageRow; room: RoomRow; mine?: MembershipRow }> {
  const local = decodeId('MESSAGE', messageId)
  if (!local) throw new BadRequestError('messageId is not a valid message id.')
  const row = await ctx.get<MessageRow>('SELECT * FROM messages WHERE id = ?', local)
  if (!row) throw new NotFoundError()
  const room = await ctx.room(row.room_id) as RoomRow
  const mine = await ctx.membership(room.id, caller.personId)
  if (!mine && !isComplianceOfficer(caller, room.org_id)) throw new NotFoundError()
  return { row, room, ...(mine ? { mine } : {}) }
}

export async function getMessage (ctx: Ctx, caller: Caller, messageId: string): Promise<Message> {
  const { row, room } = await findMessage(ctx, caller, messageId)
  return toMessage(row, await ctx.person(row.person_id) as PersonRow, room.type)
}

/** The author deletes their message; in a locked space a moderator deletes anyone's. */
export async function deleteMessage (ctx: Ctx, caller: Caller, messageId: string): Promise<void> {
  await ctx.txGrouped(async () => {
    const { row, room, mine } = await findMessage(ctx, caller, messageId)
    assertMember(spaceView(room), memberView(mine))
    const own = row.person_id === caller.personId
    if (!own && !(room.is_locked === 1 && mine?.is_moderator === 1)) {
      throw new ForbiddenError('Only the author, or a moderator of a locked space, can delete this message.')
    }
    await removeMessage(ctx, room, row, caller.personId)
  })
}

/**
 * Edit a Message, as Webex allows it: only the author, at most MAX_EDITS times, never a message with a file or
 * a card; the new text (or markdown, whose plain rendering becomes the text) replaces the old; `updated` is set
 * and a `messages updated` event goes out.
 */
export async function updateMessage (
  ctx: Ctx,
  caller: Caller,
  messageId: string,
  body: EditMessageBody
): Promise<Message> {
  if (body.text === undefined && body.markdown === undefined) {
    throw new BadRequestError('An edit needs text or markdown.')
  }
  checkLength('text', body.text)
  checkLength('markdown', body.markdown)
  return await ctx.txGrouped(async () => {
    const { row, room, mine } = await findMessage(ctx, caller, messageId)
    if (decodeId('ROOM', body.roomId) !== room.id) throw new BadRequestError('roomId is not the space of this message.')
    assertMember(spaceView(room), memberView(mine))
    assertNotBlocked(spaceView(room))
    if (row.person_id !== caller.personId) throw new ForbiddenError('Only the author can edit a message.')
    if ((row.files && row.files !== '[]') || row.attachments) {
      throw new BadRequestError('Editing a message with a file or a card is not supported.')
    }
    if (row.edits >= MAX_EDITS) {
      throw new BadRequestError(`The edit limit has been reached: a message can be edited ${MAX_EDITS} times.`)
    }
    const { text, mentioned, groups } = await renderText(ctx, room, body)
    const now = ctx.now()
    await ctx.run(
      `UPDATE messages SET text = ?, markdown = ?, mentioned_people = ?, mentioned_groups = ?, updated = ?,
        edits = edits + 1 WHERE seq = ?`,
      text,
      body.markdown ?? null,
      JSON.stringify(mentioned),
      JSON.stringify(groups),
      now,
      row.seq
    )
    await ctx.run('DELETE FROM message_mentions WHERE message_seq = ?', row.seq)
    await recordMentions(ctx, row.seq, room.id, mentioned)
    const after = await ctx.get<MessageRow>('SELECT * FROM messages WHERE seq = ?', row.seq) as MessageRow
    const message = toMessage(after, await ctx.person(after.person_id) as PersonRow, room.type)
    await ctx.emit({
      resource: 'messages',
      event: 'updated',
      actorId: caller.personId,
      roomId: room.id,
      orgId: room.org_id,
      data: slim(message),
    })
    return message
  })
}
