import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { AsyncStore } from '../store/db.js'

export type KeyType = 'Primary' | 'Secondary'
export const API_VERSION = '2016-10-01'
export const SV = '1.0'

/**
 * Signed callback URLs, as Logic Apps issues them: `sig` is an HMAC-SHA256 over the URL's path (and `sp`, `sv`)
 * with a key of the flow's own. Each flow has a primary and a secondary key; regenerating one invalidates every
 * URL signed with it while URLs of the other keep working (rotate one, move callers, rotate the other). Keys live in
 * the store, never in logs or the run history.
 */
export class CallbackKeys {
  constructor (private readonly store: AsyncStore) {}

  private async keys (flowId: string): Promise<{ primary: string; secondary: string }> {
    let row = await this.store.get<{ primary_key: string; secondary_key: string }>(
      'SELECT primary_key, secondary_key FROM flow_keys WHERE flow_id = ?',
      flowId
    )
    if (!row) {
      row = { primary_key: newKey(), secondary_key: newKey() }
      await this.store.tx(async () =>
        await this.store.run(
          'INSERT INTO flow_keys (flow_id, primary_key, secondary_key, updated) VALUES (?,?,?,?) ' +
            'ON CONFLICT DO NOTHING',
          flowId,
          row!.primary_key,
          row!.secondary_key,
          this.store.now()
        )
      )
      row = await this.store.get('SELECT primary_key, secondary_key FROM flow_keys WHERE flow_id = ?', flowId) ?? row
    }
    return { primary: row.primary_key, secondary: row.secondary_key }
  }

  /** The signature of `path` (with its sp) under the flow's key of that type. */
  async sign (flowId: string, path: string, sp: string, keyType: KeyType = 'Primary'): Promise<string> {
    return (await this.signer(flowId))(path, sp, keyType)
  }

  /** Signs with the flow's keys as they are now, without a store read per signature (a run's callback URLs). */
  async signer (flowId: string): Promise<(path: string, sp: string, keyType?: KeyType) => string> {
    const k = await this.keys(flowId)
    return (path, sp, keyType = 'Primary') => hmac(keyType === 'Primary' ? k.primary : k.secondary, path, sp)
  }

  /** Whether `sig` signs `path` under either of the flow's keys (compared in constant time). */
  async verify (flowId: string, path: string, sp: string, sig: string | undefined): Promise<boolean> {
    if (!sig) return false
    const k = await this.keys(flowId)
    const given = Buffer.from(sig)
    return [k.primary, k.secondary].some(key => {
      const expected = Buffer.from(hmac(key, path, sp))
      return expected.length === given.length && timingSafeEqual(expected, given)
    })
  }

  /** A new key of that type: URLs signed with the old one stop working at once. */
  async regenerate (flowId: string, keyType: KeyType): Promise<void> {
    await this.keys(flowId)
    await this.store.tx(async () =>
      await this.store.run(
        `UPDATE flow_keys SET ${keyType === 'Primary' ? 'primary_key' : 'secondary_key'} = ?, updated = ?
        WHERE flow_id = ?`,
        newKey(),
        this.store.now(),
        flowId
      )
    )
  }
}

const newKey = (): string => randomBytes(32).toString('base64url')
const hmac = (key: string, path: string, sp: string): string =>
  createHmac('sha256', key).update(`${path}\n${sp}\n${SV}`).digest('base64url')

/** Query parameters of a signed URL that are the signature's, not the caller's (kept out of trigger outputs). */
export const SIGNATURE_PARAMS = ['api-version', 'sp', 'sv', 'sig']
