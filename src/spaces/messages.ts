/*
 * Posting a message (into a space, or 1:1 by person) and removing one, with the events they record.
 * Shared by the embedded backend and governance, so both keep the same rules and record the same events.
 */
import { BadRequestError } from '../errors.js'
import { decodeId, encodeId, newOrderedUuid } from '../ids.js'
import { assertCanPost, assertMember, assertNotBlocked } from '../auth/rules.js'
import { MESSAGE_TEXT_MAX_BYTES, type CreateMessageBody, type Message } from '../schemas/message.js'
import type { ContentStore, Upload } from '../files/content-store.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { toMessage, type MessageRow, type PersonRow, type RoomRow } from '../domain/rows.js'
import { markdownToText, parseMentions, type Mention } from './mentions.js'
import { resolvePerson } from './people.js'
import { memberView, readableSpace, spaceView } from './space.js'
import { emitRoom, touchRoom } from './rooms.js'
import { addMember } from './memberships.js'

export function checkLength (field: string, value: string | undefined): void {
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
  // Into a space, without a file, every check comes before the first write (the INSERT): nothing after it fails
  // but the store, so the body needs no savepoint (GroupedOptions.unguarded). A 1:1 message may create its space
  // before a parentId is found wrong, and a file's bytes are read in the transaction: those keep theirs.
  const unguarded = body.roomId !== undefined && !extras.file
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
    const id = newOrderedUuid()
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
    await recordMentions(ctx, row.seq, room.id, mentioned)
    await touchRoom(ctx, room.id, now)
    // Of the author's row the message shows only the email: not the whole row back.
    const author = await ctx.get<{ email: string }>(
      'UPDATE people SET last_activity = ? WHERE id = ? RETURNING email',
      now,
      caller.personId
    )
    const message = toMessage(row, { id: caller.personId, email: author!.email }, room.type)
    await ctx.emit({
      resource: 'messages',
      event: 'created',
      actorId: caller.personId,
      roomId: room.id,
      orgId: room.org_id,
      data: slim(message),
    })
    return message
  }, { unguarded })
}

/** Whom a message mentions, for `mentionedPeople=me` (its space's members only: see renderText). */
export async function recordMentions (ctx: Ctx, seq: number, roomId: string, people: string[]): Promise<void> {
  for (const personId of people) {
    await ctx.run(
      'INSERT INTO message_mentions (message_seq, room_id, person_id) VALUES (?,?,?)',
      seq,
      roomId,
      personId
    )
  }
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
export async function renderText (
  ctx: Ctx,
  room: RoomRow,
  body: { text?: string; markdown?: string }
): Promise<{ text: string | null; mentioned: string[]; groups: string[] }> {
  // Plain text mentions nobody: most messages are that, and need none of the lookups below.
  if (body.markdown === undefined) return { text: body.text ?? null, mentioned: [], groups: [] }
  const parsed = parseMentions(body.markdown)
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
  const text = body.text ?? markdownToText(body.markdown, m => byMention(m)?.display_name ?? m.value)
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
  const id = newOrderedUuid()
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

/** Deletes a message and records its `messages deleted` event (slim, as Webex sends it): inside a transaction. */
export async function removeMessage (ctx: Ctx, room: RoomRow, row: MessageRow, actorId: string): Promise<void> {
  const message = toMessage(row, await ctx.person(row.person_id) as PersonRow, room.type)
  await ctx.run('DELETE FROM messages WHERE seq = ?', row.seq)
  await ctx.emit({
    resource: 'messages',
    event: 'deleted',
    actorId,
    roomId: room.id,
    orgId: room.org_id,
    data: slim(message),
  })
}
