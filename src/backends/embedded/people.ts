import { isComplianceOfficer } from '../../auth/rules.js'
import { BadRequestError, NotFoundError } from '../../errors.js'
import { decodeId } from '../../ids.js'
import { MAX_PEOPLE_IDS, type ListPeopleQuery, type PeopleList, type Person } from '../../schemas/person.js'
import type { Caller, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'
import { toPerson, type PersonRow } from '../../domain/rows.js'

export async function getPerson (ctx: Ctx, personId: string): Promise<Person> {
  const local = decodeId('PEOPLE', personId)
  const row = local ? await ctx.person(local) : undefined
  if (!row) throw new NotFoundError('No person has this id.')
  return toPerson(row)
}

export async function listPeople (
  ctx: Ctx,
  caller: Caller,
  q: Paged<ListPeopleQuery>
): Promise<PeopleList & { cursor?: string }> {
  if (q.id !== undefined) {
    const ids = q.id
      .split(',')
      .map(s => s.trim())
      .filter(s => s.length > 0)
    if (ids.length > MAX_PEOPLE_IDS) throw new BadRequestError(`id accepts at most ${MAX_PEOPLE_IDS} person ids.`)
    const items: Person[] = []
    const notFoundIds: string[] = []
    for (const id of ids) {
      const local = decodeId('PEOPLE', id)
      const row = local ? await ctx.person(local) : undefined
      if (row) items.push(toPerson(row))
      else notFoundIds.push(id)
    }
    return { items: items.slice(0, q.max), ...(notFoundIds.length > 0 ? { notFoundIds } : {}) }
  }
  // As Webex lets an organisation's admins list everyone, so here a compliance officer (the role the
  // governance inventory runs with) may omit the filters and page through their organisation.
  const everyone = q.email === undefined && q.displayName === undefined
  if (everyone && !isComplianceOfficer(caller)) {
    throw new BadRequestError('Give id, email or displayName to look people up.')
  }
  const after = decodeCursor(q.cursor, ['number'])
  const where: string[] = everyone ? ['org_id = ?'] : []
  const params: unknown[] = everyone ? [caller.orgId] : []
  if (q.email !== undefined) {
    where.push('email = ?')
    params.push(q.email)
  }
  if (q.displayName !== undefined) {
    // Prefix search inside the caller's organisation, as Webex restricts it.
    where.push(`display_name ${ctx.dialect.ilike} ? ESCAPE '\\' AND org_id = ?`)
    params.push(q.displayName.replace(/[\\%_]/g, c => '\\' + c) + '%', caller.orgId)
  }
  if (after) {
    where.push('seq > ?')
    params.push(after[0])
  }
  const rows = await ctx.all<PersonRow>(
    `SELECT * FROM people WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
    ...params,
    q.max + 1
  )
  return toPage(rows, q.max, toPerson, r => [r.seq])
}
