import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId, encodeId } from '../../ids.js'
import { isComplianceOfficer } from '../../auth/rules.js'
import type { Event, ListEventsQuery } from '../../schemas/event.js'
import type { Caller, Page, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'

/** Webex keeps 90 days of events without the Pro Pack; so does this organisation. */
const EVENTS_KEPT_DAYS = 90
const DAY = 86_400_000

interface EventRow {
  seq: number
  resource: string
  event: string
  actor_id: string
  room_id: string | null
  org_id: string
  data: string
  created: string
}

/** An event id is its change-log seq in a uuid's shape, so it can be looked up again. */
const eventId = (seq: number): string =>
  encodeId('EVENT', `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`)
const eventSeq = (id: string): number | undefined => {
  const local = decodeId('EVENT', id)
  return local?.startsWith('00000000-0000-4000-8000-') ? parseInt(local.slice(24), 16) : undefined
}

function assertEventsReader (caller: Caller): void {
  if (!isComplianceOfficer(caller)) {
    throw new ForbiddenError('Listing events needs the compliance officer role (spark-compliance:events_read).')
  }
}

/**
 * The change log as Webex's Events API shows it: the organisation's events of the last 90 days, newest first.
 * Webex lists messages and memberships created, updated and deleted, and rooms updated (classification and
 * settings changes); a message's data carries its text, as the compliance officer may read it.
 */
async function toEvent (ctx: Ctx, r: EventRow): Promise<Event> {
  const data = JSON.parse(r.data) as Record<string, unknown>
  if (r.resource === 'messages' && r.event !== 'deleted' && typeof data.id === 'string') {
    const m = await ctx.get<{ text: string | null; markdown: string | null }>(
      'SELECT text, markdown FROM messages WHERE id = ?',
      decodeId('MESSAGE', data.id) ?? ''
    )
    if (m?.text) data.text = m.text
    if (m?.markdown) data.markdown = m.markdown
  }
  return {
    id: eventId(r.seq),
    resource: r.resource,
    type: r.event,
    actorId: encodeId('PEOPLE', r.actor_id),
    orgId: encodeId('ORGANIZATION', r.org_id),
    created: r.created,
    data,
  }
}

const LISTED = "((resource IN ('messages','memberships')) OR (resource = 'rooms' AND event = 'updated'))"

export async function listEvents (ctx: Ctx, caller: Caller, q: Paged<ListEventsQuery>): Promise<Page<Event>> {
  assertEventsReader(caller)
  const now = ctx.clock()
  if (q.to !== undefined && Date.parse(q.to) > now) throw new BadRequestError('to cannot be in the future.')
  const where = ['org_id = ?', LISTED, 'created >= ?']
  const params: unknown[] = [caller.orgId, new Date(now - EVENTS_KEPT_DAYS * DAY).toISOString()]
  if (q.resource !== undefined) {
    where.push('resource = ?')
    params.push(q.resource)
  }
  if (q.type !== undefined) {
    where.push('event = ?')
    params.push(q.type)
  }
  if (q.actorId !== undefined) {
    const actor = decodeId('PEOPLE', q.actorId)
    if (!actor) throw new BadRequestError('actorId is not a valid person id.')
    where.push('actor_id = ?')
    params.push(actor)
  }
  if (q.from !== undefined) {
    where.push('created > ?')
    params.push(new Date(q.from).toISOString())
  }
  if (q.to !== undefined) {
    where.push('created < ?')
    params.push(new Date(q.to).toISOString())
  }
  const after = decodeCursor(q.cursor, ['number'])
  if (after) {
    where.push('seq < ?')
    params.push(after[0])
  }
  const rows = await ctx.all<EventRow>(
    `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
    ...params,
    q.max + 1
  )
  return toPage(
    rows,
    q.max,
    r => toEvent(ctx, r),
    r => [r.seq]
  )
}

export async function getEvent (ctx: Ctx, caller: Caller, id: string): Promise<Event> {
  assertEventsReader(caller)
  const seq = eventSeq(id)
  if (seq === undefined) throw new BadRequestError('eventId is not a valid event id.')
  const row = await ctx.get<EventRow>(
    `SELECT * FROM events WHERE seq = ? AND org_id = ? AND ${LISTED} AND created >= ?`,
    seq,
    caller.orgId,
    new Date(ctx.clock() - EVENTS_KEPT_DAYS * DAY).toISOString()
  )
  if (!row) throw new NotFoundError('No event of your organisation has this id.')
  return toEvent(ctx, row)
}
