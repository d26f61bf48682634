import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId, encodeId, newUuid } from '../../ids.js'
import { assertCanPost, assertMember, assertNotBlocked, isComplianceOfficer } from '../../auth/rules.js'
import {
  MAX_EDITS,
  MESSAGE_TEXT_MAX_BYTES,
  type CreateMessageBody,
  type EditMessageBody,
  type ListMessagesQuery,
  type Message,
} from '../../schemas/message.js'
import type { ContentStore, Upload } from '../../files/content-store.js'
import type { Caller, Page, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'
import { markdownToText, parseMentions, type Mention } from './mentions.js'
import { resolvePerson } from './people.js'
import { toMessage, type MessageRow, type PersonRow, type RoomRow } from '../../domain/rows.js'
import { addMember, emitRoom, memberView, readableSpace, spaceView, touchRoom } from './spaces.js'

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
  const authors = new Map<string, PersonRow>()
  const author = async (id: string): Promise<PersonRow> => {
    let p = authors.get(id)
    if (!p) {
      p = await ctx.person(id) as PersonRow
      authors.set(id, p)
    }
    return p
  }
  return toPage(
    rows,
    q.max,
    async r => toMessage(r, await author(r.person_id), room.type),
    r => [r.seq]
  )
}

function checkLength (field: string, value: string | undefined): void {
  if (value !== undefined && Buffer.byteLength(value) > MESSAGE_TEXT_MAX_BYTES) {
    throw new BadRequestError(`${field} is longer than ${MESSAGE_TEXT_MAX_BYTES} bytes.`)
  }
}

/** What a message may carry besides text: its file (already on disk) and the card size limit. */
export interface MessageExtras {
  cardMaxBytes: number
  file?: { id: string; upload: Upload; contents: ContentStore }
}

/** The checks that need nothing stored: a refused message costs no file fetch or upload. */
export function checkMessage (body: CreateMessageBody, cardMaxBytes: number, hasUpload = false): void {
  const targets = [body.roomId, body.toPersonId, body.toPersonEmail].filter(v => v !== undefined).length
  if (targets !== 1) throw new BadRequestError('Give exactly one of roomId, toPersonId or toPersonEmail.')
  const hasFile = hasUpload || (body.files !== undefined && body.files.length > 0)
  if (!body.text && !body.markdown && !hasFile && !(body.attachments && body.attachments.length > 0)) {
    throw new BadRequestError('A message needs text, markdown, files or a card (attachments).')
  }
  checkLength('text', body.text)
  checkLength('markdown', body.markdown)
  if (body.attachments && Buffer.byteLength(JSON.stringify(body.attachments)) > cardMaxBytes) {
    throw new BadRequestError(`The card (attachments) is larger than ${cardMaxBytes} bytes.`)
  }
}

export async function createMessage (
  ctx: Ctx,
  caller: Caller,
  body: CreateMessageBody,
  extras: MessageExtras
): Promise<Message> {
  checkMessage(body, extras.cardMaxBytes, extras.file !== undefined)
  return await ctx.txGrouped(async () => {
    const room = body.roomId !== undefined
      ? await postableRoom(
        ctx,
        caller,
        body.roomId
      )
      : await directRoom(ctx, caller, body)
    let parentId: string | null = null
    if (body.parentId !== undefined) {
      parentId = decodeId('MESSAGE', body.parentId) ?? null
      const parent = parentId ? await ctx.get<MessageRow>('SELECT * FROM messages WHERE id = ?', parentId) : undefined
      if (!parent || parent.room_id !== room.id) throw new BadRequestError('parentId names no message of this space.')
      if (parent.parent_id) {
        throw new BadRequestError("Replies cannot be replied to; use the thread's first message as parentId.")
      }
    }
    const { text, mentioned, groups } = await renderText(ctx, room, body)
    const now = ctx.now()
    const id = newUuid()
    const toPerson = body.roomId === undefined ? await directPartner(ctx, room, caller.personId) : undefined
    const files = extras.file ? [`${ctx.publicBase}/v1/contents/${encodeId('CONTENT', extras.file.id)}`] : []
    // The row as stored comes back from the INSERT itself (nothing written later in this transaction changes it).
    const row = (await ctx.get<MessageRow>(
      `INSERT INTO messages (id, room_id, person_id, parent_id, text, markdown, files, mentioned_people,
          mentioned_groups,
      to_person_id, to_person_email, created, attachments) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING *`,
      id,
      room.id,
      caller.personId,
      parentId,
      text,
      body.markdown ?? null,
      JSON.stringify(files),
      JSON.stringify(mentioned),
      JSON.stringify(groups),
      body.toPersonId !== undefined ? (toPerson?.id ?? null) : null,
      body.toPersonEmail !== undefined ? (toPerson?.email ?? null) : null,
      now,
      body.attachments && body.attachments.length > 0 ? JSON.stringify(body.attachments) : null
    ))!
    if (extras.file) await extras.file.contents.record(extras.file.id, extras.file.upload, id, room.id)
    for (const personId of mentioned) {
      await ctx.run(
        'INSERT INTO message_mentions (message_seq, room_id, person_id) VALUES (?,?,?)',
        row.seq,
        room.id,
        personId
      )
    }
    await touchRoom(ctx, room.id, now)
    const author = await ctx.get<PersonRow>(
      'UPDATE people SET last_activity = ? WHERE id = ? RETURNING *',
      now,
      caller.personId
    ) as PersonRow
    const message = toMessage(row, author, room.type)
    await ctx.emit({
      resource: 'messages',
      event: 'created',
      actorId: caller.personId,
      roomId: room.id,
      orgId: room.org_id,
      data: slim(message),
    })
    return message
  })
}

/** Webhook data for messages is slim, as Webex sends it: no text, receivers fetch the message by id. */
export function slim (m: Message): Record<string, unknown> {
  const { text: _t, markdown: _m, ...rest } = m
  return rest
}

/**
 * The plain text of a message and whom it mentions: mentions resolve against the space's members (anyone else
 * stays plain text); without markdown, the text is the text.
 */
async function renderText (
  ctx: Ctx,
  room: RoomRow,
  body: { text?: string; markdown?: string }
): Promise<{ text: string | null; mentioned: string[]; groups: string[] }> {
  const parsed = body.markdown !== undefined ? parseMentions(body.markdown) : { people: [], all: false }
  // Mentions resolve against the members; most messages mention nobody, so only then are they loaded.
  const members =
    parsed.people.length === 0
      ? new Map<string, PersonRow>()
      : new Map(
        (await ctx
          .all<PersonRow>(
            'SELECT p.* FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.room_id = ?',
            room.id
          ))
          .map(p => [p.id, p])
      )
  const byMention = (m: Mention): PersonRow | undefined =>
    m.by === 'personId'
      ? members.get(decodeId('PEOPLE', m.value) ?? '')
      : [...members.values()].find(p => p.email.toLowerCase() === m.value.toLowerCase())
  // Only members can be mentioned; a mention of anyone else stays plain text.
  const mentioned = [
    ...new Set(
      parsed.people
        .map(byMention)
        .filter((p): p is PersonRow => p !== undefined)
        .map(p => p.id)
    ),
  ]
  const groups = parsed.all && room.type === 'group' ? ['all'] : []
  const text =
    body.text ??
    (body.markdown !== undefined ? markdownToText(body.markdown, m => byMention(m)?.display_name ?? m.value) : null)
  return { text, mentioned, groups }
}

async function postableRoom (ctx: Ctx, caller: Caller, roomId: string): Promise<RoomRow> {
  const { room, member } = await readableSpace(ctx, caller, roomId)
  assertMember(spaceView(room), memberView(member))
  assertCanPost(spaceView(room), memberView(member) ?? { isModerator: false })
  return room
}

async function directPartner (ctx: Ctx, room: RoomRow, me: string): Promise<PersonRow | undefined> {
  return await ctx.get<PersonRow>(
    'SELECT p.* FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.room_id = ? AND m.person_id <> ?',
    room.id,
    me
  )
}

/** The 1:1 space between the caller and the recipient, created on first use. */
async function directRoom (ctx: Ctx, caller: Caller, body: CreateMessageBody): Promise<RoomRow> {
  const other = await resolvePerson(
    ctx,
    { personId: body.toPersonId, personEmail: body.toPersonEmail },
    body.toPersonId !== undefined ? 'toPersonId' : 'toPersonEmail'
  )
  if (other.id === caller.personId) throw new BadRequestError('A 1:1 message needs a recipient other than yourself.')
  const key = [caller.personId, other.id].sort().join(':')
  const existing = await ctx.get<RoomRow>('SELECT * FROM rooms WHERE direct_key = ?', key)
  if (existing) {
    assertNotBlocked(spaceView(existing))
    return existing
  }
  const now = ctx.now()
  const id = newUuid()
  const room = await ctx.get<RoomRow>(
    `INSERT INTO rooms (id, title, type, is_locked, creator_id, org_id, direct_key, created, last_activity)
    VALUES (?,NULL,'direct',0,?,?,?,?,?) RETURNING *`,
    id,
    caller.personId,
    caller.orgId,
    key,
    now,
    now
  ) as RoomRow
  await addMember(ctx, room, await ctx.person(caller.personId) as PersonRow, false, caller.personId)
  await addMember(ctx, room, other, false, caller.personId)
  await emitRoom(ctx, 'created', room, caller.personId)
  return room
}

async function findMessage (ctx: Ctx, caller: Caller, messageId: string): Promise<{ row: MessageRow; room: RoomRow }> {
  const local = decodeId('MESSAGE', messageId)
  if (!local) throw new BadRequestError('messageId is not a valid message id.')
  const row = await ctx.get<MessageRow>('SELECT * FROM messages WHERE id = ?', local)
  if (!row) throw new NotFoundError()
  const room = await ctx.room(row.room_id) as RoomRow
  if (!await ctx.membership(room.id, caller.personId) && !isComplianceOfficer(caller, room.org_id)) {
    throw new NotFoundError()
  }
  return { row, room }
}

export async function getMessage (ctx: Ctx, caller: Caller, messageId: string): Promise<Message> {
  const { row, room } = await findMessage(ctx, caller, messageId)
  return toMessage(row, await ctx.person(row.person_id) as PersonRow, room.type)
}

/** The author deletes their message; in a locked space a moderator deletes anyone's. */
export async function deleteMessage (ctx: Ctx, caller: Caller, messageId: string): Promise<void> {
  await ctx.txGrouped(async () => {
    const { row, room } = await findMessage(ctx, caller, messageId)
    const mine = await ctx.membership(room.id, caller.personId)
    assertMember(spaceView(room), memberView(mine))
    const own = row.person_id === caller.personId
    if (!own && !(room.is_locked === 1 && mine?.is_moderator === 1)) {
      throw new ForbiddenError('Only the author, or a moderator of a locked space, can delete this message.')
    }
    const message = toMessage(row, await ctx.person(row.person_id) as PersonRow, room.type)
    await ctx.run('DELETE FROM messages WHERE seq = ?', row.seq)
    await ctx.emit({
      resource: 'messages',
      event: 'deleted',
      actorId: caller.personId,
      roomId: room.id,
      orgId: room.org_id,
      data: slim(message),
    })
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
    const { row, room } = await findMessage(ctx, caller, messageId)
    if (decodeId('ROOM', body.roomId) !== room.id) throw new BadRequestError('roomId is not the space of this message.')
    const mine = await ctx.membership(room.id, caller.personId)
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
    for (const personId of mentioned) {
      await ctx.run(
        'INSERT INTO message_mentions (message_seq, room_id, person_id) VALUES (?,?,?)',
        row.seq,
        room.id,
        personId
      )
    }
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
