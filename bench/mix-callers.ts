import type { AsyncStore } from '../src/store/db.js'
import { DEMO } from '../src/demo.js'
import { hashToken } from '../src/backends/embedded/seed.js'
import { encodeId, stableUuid } from '../src/ids.js'

/** One caller of the mixed load: a person of the demo organisation with a token and a space of their own. */
export interface MixCaller {
  token: string
  personId: string
  roomId: string
}

export const MIX_TOKENS = 50
/** The mix reads lists a page of this many at a time; each caller starts with a page of spaces and messages. */
export const MIX_PAGE = 10

/** A call to the service as the token's holder (in-process inject or HTTP): the answer's JSON. */
export type MixCall = (method: 'GET' | 'POST', url: string, token: string, payload?: object) => Promise<unknown>

/**
 * The mixed load's callers, written into the service's store (people and tokens) and given their spaces and
 * messages through the API, so that what the service answers stays the size of what the bare app answers while
 * the writes add more. The same on either store: the bench seeds SQLite in-process and PostgreSQL over HTTP.
 */
export async function seedMixCallers (store: Pick<AsyncStore, 'run'>, call: MixCall): Promise<MixCaller[]> {
  const mix: MixCaller[] = []
  for (let k = 0; k < MIX_TOKENS; k++) {
    const id = stableUuid(`person:bench-${k}`)
    await store.run(
      `INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created)
      VALUES (?,?,?,?,?,?,?)`,
      id,
      DEMO.orgId,
      `bench${k}@example.com`,
      `Bench ${k}`,
      'Bench',
      `${k}`,
      new Date().toISOString()
    )
    const token = `BenchMix${k}AccessToken`
    const label = `bench ${k}`
    await store.run('INSERT INTO tokens (token_hash, person_id, label) VALUES (?,?,?)', hashToken(token), id, label)
    let roomId = ''
    for (let r = 0; r < MIX_PAGE; r++) {
      roomId = ((await call('POST', '/v1/rooms', token, { title: `Bench ${k}.${r}` })) as { id: string }).id
    }
    for (let m = 0; m < MIX_PAGE; m++) await call('POST', '/v1/messages', token, { roomId, text: `seed ${m}` })
    mix.push({ token, personId: encodeId('PEOPLE', id), roomId })
  }
  return mix
}
