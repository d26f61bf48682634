import { Worker } from 'node:worker_threads'

/**
 * Starts the worker thread `name` that sits next to the module at `base` (its import.meta.url): through its
 * `.boot.mjs` when running from TypeScript sources (a thread does not inherit tsx), else the built `.js`.
 * Unref'd: a running thread does not keep the process alive.
 */
export function startThread (base: string, name: string, workerData: unknown): Worker {
  const entry = new URL(base.endsWith('.ts') ? `./${name}.boot.mjs` : `./${name}.js`, base)
  const thread = new Worker(entry, { workerData })
  thread.unref()
  return thread
}

/**
 * Sends the thread `request` and resolves once it answers as `isStopped` recognises (then it is terminated)
 * or exits. Ref'd meanwhile, so an otherwise empty event loop waits for the answer instead of exiting.
 */
export function stopThread (
  thread: Worker,
  request: unknown,
  isStopped: (message: unknown) => boolean
): Promise<void> {
  return new Promise<void>(resolve => {
    thread.ref()
    thread.once('exit', () => resolve())
    thread.on('message', (m: unknown) => {
      if (isStopped(m)) void thread.terminate().then(() => resolve())
    })
    thread.postMessage(request)
  })
}
