// Entry of the delivery thread when the service runs from TypeScript sources (tests, tsx): a worker
// thread does not inherit the main thread's tsx loader, so it registers tsx before loading the thread code.
// Compiled (npm start), src/threads.ts starts the thread's .js instead.
import { register } from 'tsx/esm/api'

register()
await import('./delivery-thread.ts')
