import type { PostgresStore } from '../postgres.js'
import type { Listener } from './notify.js'

/** The channel PostgresStore's `writeChannel` notifies on every committed write (see postgres.ts). */
export const GENERATION_CHANNEL = 'webex_store_generation'

/**
 * Keeps this instance's read caches true to the cluster: a write committed by another instance (its store
 * notifies `channel` with the COMMIT) bumps this store's generation, which empties the caches keyed on it;
 * so does a reconnection of the listener, since notifications sent while it was away are lost. An instance
 * hears its own notifications too and ignores them: its own commits already bumped the generation.
 */
export async function invalidateAcrossInstances (
  store: PostgresStore,
  listener: Listener,
  channel = GENERATION_CHANNEL
): Promise<void> {
  const own = `${store.instanceId}:`
  await listener.listen(channel, payload => {
    if (!payload.startsWith(own)) store.invalidate()
  })
  listener.onReconnect(() => store.invalidate())
}
