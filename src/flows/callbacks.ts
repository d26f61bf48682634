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
interface Keys {
  primary: string
  secondary: string
  /** Signatures made with these keys, by path, sp and key type: a run signs the same few URLs. */
  signed?: Map<string, string>
}

export class CallbackKeys {
  /** One instance (`cache`): the keys as last read or written here, nobody else changing them. */
  private readonly cached = new Map<string, Keys>()

  constructor (
    private readonly store: AsyncStore,
    /** Only this instance changes the keys (no cluster): they are read once per flow, not once per run. */
    private readonly cache = false
  ) {}

  private async keys (flowId: string): Promise<Keys> {
    const known = this.cached.get(flowId)
    if (known) return known
    const keys = await this.read(flowId)
    if (this.cache) this.cached.set(flowId, keys)
    return keys
  }

  private async read (flowId: string): Promise<Keys> {
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
    return (path, sp, keyType = 'Primary') => {
      const at = `${keyType}\n${path}\n${sp}`
      let sig = k.signed?.get(at)
      if (sig === undefined) {
        sig = hmac(keyType === 'Primary' ? k.primary : k.secondary, path, sp)
        // The trigger's few URLs are signed again and again; an action's (one per run) are not kept.
        if (this.cache && (k.signed?.size ?? 0) < 8) (k.signed ??= new Map()).set(at, sig)
      }
      return sig
    }
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
    this.cached.delete(flowId)
    await this.store.tx(async () =>
      await this.store.run(
        `UPDATE flow_keys SET ${keyType === 'Primary' ? 'primary_key' : 'secondary_key'} = ?, updated = ?
        WHERE flow_id = ?`,
        newKey(),
        this.store.now(),
        flowId
      )
    )
    // Again: a read while the change was being made may have kept the old keys.
    this.cached.delete(flowId)
  }
}

const newKey = (): string => randomBytes(32).toString('base64url')
const hmac = (key: string, path: string, sp: string): string =>
  createHmac('sha256', key).update(`${path}\n${sp}\n${SV}`).digest('base64url')

/** Query parameters of a signed URL that are the signature's, not the caller's (kept out of trigger outputs). */
export const SIGNATURE_PARAMS = ['api-version', 'sp', 'sv', 'sig']
