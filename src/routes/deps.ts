import type { WebexBackend } from '../backends/backend.js'

/** What every route plugin is given. */
export interface RouteDeps {
  backend: WebexBackend
}
