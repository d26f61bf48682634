/*
 * Who a personId or personEmail names, external people created on first use.
 * Shared by the embedded backend and governance, so both keep the same rules and record the same events.
 */
import { BadRequestError, NotFoundError } from '../errors.js'
import { decodeId, newUuid } from '../ids.js'
import type { Ctx } from '../store/ctx.js'
import type { PersonRow } from '../domain/rows.js'

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
