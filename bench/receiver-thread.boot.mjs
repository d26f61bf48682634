// Worker threads do not inherit tsx from the main thread: register it, then load the TypeScript receiver.
import { register } from 'tsx/esm/api'

register()
await import('./receiver-thread.ts')
