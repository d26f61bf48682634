// Entry of the checkpoint thread when the service runs from TypeScript sources (npm start, tests): a worker
// thread does not inherit the main thread's tsx loader, so it registers tsx before loading the thread code.
import { register } from 'tsx/esm/api'

register()
await import('./checkpoint-thread.ts')
