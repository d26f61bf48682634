// Worker threads do not inherit tsx from the main thread: register it, then load the TypeScript floor sender.
import { register } from 'tsx/esm/api'

register()
await import('./floor-thread.ts')
