import { isComplianceOfficer } from '../../auth/rules.js'
import { BadRequestError, NotFoundError } from '../../errors.js'
import { decodeId, newUuid } from '../../ids.js'
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

/**
 * The person a personId or personEmail names. An email of a domain no known organisation owns is an external
 * person: created on first use in an organisation of its own, so personOrgId tells them apart. An unknown
 * email of a known organisation's domain is a 404, as Webex answers for a nonexistent user.
 */
export async function resolvePerson (
  ctx: Ctx,
  by: { personId?: string; personEmail?: string },
  field = 'personId'
): Promise<PersonRow> {
  if (by.personId !== undefined) {
    const local = decodeId('PEOPLE', by.personId)
    if (!local) throw new BadRequestError(`${field} is not a valid person id.`)
    const row = await ctx.person(local)
    if (!row) throw new NotFoundError(`No person has the id given in ${field}.`)
    if (by.personEmail !== undefined && row.email.toLowerCase() !== by.personEmail.toLowerCase()) {
      throw new BadRequestError('personId and personEmail name different people.')
    }
    return row
  }
  if (by.personEmail === undefined) throw new BadRequestError(`Give ${field} or the email address of the person.`)
  const email = by.personEmail.trim()
  const known = await ctx.personByEmail(email)
  if (known) return known
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase()
  if (await ctx.get('SELECT id FROM orgs WHERE domain = ?', domain)) {
    throw new NotFoundError(`No person with the email ${email} exists in that organisation.`)
  }
  return createExternalPerson(ctx, email, domain)
}

async function createExternalPerson (ctx: Ctx, email: string, domain: string): Promise<PersonRow> {
  const now = ctx.now()
  const orgId = newUuid()
  await ctx.run('INSERT INTO orgs (id, name, domain, created) VALUES (?,?,?,?)', orgId, domain, domain, now)
  const local = email.slice(0, email.lastIndexOf('@'))
  const [first, ...rest] = local
    .split(/[._-]+/)
    .filter(Boolean)
    .map(w => w[0].toUpperCase() + w.slice(1))
  const first_ = first ?? local
  const last = rest.join(' ')
  const id = newUuid()
  await ctx.run(
    `INSERT INTO people (id, org_id, email, display_name, first_name, last_name, status, type, created)
    VALUES (?,?,?,?,?,?,'unknown','person',?)`,
    id,
    orgId,
    email,
    [first_, last].filter(Boolean).join(' '),
    first_,
    last,
    now
  )
  return await ctx.person(id) as PersonRow
}
