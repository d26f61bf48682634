import { BadRequestError, NotFoundError } from '../../errors.js'
import { decodeId, encodeId, newUuid } from '../../ids.js'
import { assertMember, isComplianceOfficer } from '../../auth/rules.js'
import type { AttachmentAction, CreateAttachmentActionBody } from '../../schemas/attachment-action.js'
import type { Caller } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import type { MessageRow, RoomRow } from '../../domain/rows.js'
import { memberView, spaceView } from '../../spaces/space.js'

interface ActionRow {
  seq: number
  id: string
  message_id: string
  room_id: string
  person_id: string
  type: string
  inputs: string
  created: string
}

function toAction (r: ActionRow): AttachmentAction {
  return {
    id: encodeId('ATTACHMENT_ACTION', r.id),
    type: r.type,
    messageId: encodeId('MESSAGE', r.message_id),
    inputs: JSON.parse(r.inputs) as Record<string, unknown>,
    personId: encodeId('PEOPLE', r.person_id),
    roomId: encodeId('ROOM', r.room_id),
    created: r.created,
  }
}

/**
 * A member submits a message's card: the submission is stored and an `attachmentActions created` event goes
 * out (slim, as Webex sends it: the inputs are fetched by id). A message without a card, or someone who cannot
 * see the space, is refused with nothing stored.
 */
export async function createAttachmentAction (
  ctx: Ctx,
  caller: Caller,
  body: CreateAttachmentActionBody
): Promise<AttachmentAction> {
  const local = decodeId('MESSAGE', body.messageId)
  if (!local) throw new BadRequestError('messageId is not a valid message id.')
  return await ctx.txGrouped(async () => {
    const message = await ctx.get<MessageRow>('SELECT * FROM messages WHERE id = ?', local)
    const room = message ? (await ctx.room(message.room_id) as RoomRow) : undefined
    const member = room ? await ctx.membership(room.id, caller.personId) : undefined
    if (!message || !room) throw new NotFoundError('No message has this id.')
    assertMember(spaceView(room), memberView(member))
    if (!message.attachments) throw new BadRequestError('The message has no card to submit.')
    const id = newUuid()
    await ctx.run(
      `INSERT INTO attachment_actions (id, message_id, room_id, person_id, type, inputs, created)
      VALUES (?,?,?,?,?,?,?)`,
      id,
      message.id,
      room.id,
      caller.personId,
      body.type,
      JSON.stringify(body.inputs),
      ctx.now()
    )
    const action = toAction(await ctx.get<ActionRow>('SELECT * FROM attachment_actions WHERE id = ?', id) as ActionRow)
    const { inputs: _inputs, ...slim } = action
    await ctx.emit({
      resource: 'attachmentActions',
      event: 'created',
      actorId: caller.personId,
      roomId: room.id,
      orgId: room.org_id,
      data: slim,
    })
    return action
  })
}

/** A submission is readable by the members of its space (and the organisation's compliance officers). */
export async function getAttachmentAction (ctx: Ctx, caller: Caller, id: string): Promise<AttachmentAction> {
  const local = decodeId('ATTACHMENT_ACTION', id)
  if (!local) throw new BadRequestError('id is not a valid attachment action id.')
  const row = await ctx.get<ActionRow>('SELECT * FROM attachment_actions WHERE id = ?', local)
  const room = row ? await ctx.room(row.room_id) : undefined
  if (!row || !room) throw new NotFoundError()
  if (!await ctx.membership(
    room.id,
    caller.personId
  ) && !isComplianceOfficer(caller, room.org_id)) throw new NotFoundError()
  return toAction(row)
}
