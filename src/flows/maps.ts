import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ActionFailure } from './kinds/types.js'

/**
 * The XSLT maps Xslt actions transform with: one folder (FLOWS_MAPS_DIR), as a Logic Apps Standard project keeps
 * them in Artifacts/Maps and an integration account by name. A map is found by its name as given, else with
 * .xslt or .xsl after it; names are plain file names, never paths. Read when the action runs, so a map added or
 * changed in the folder is used by the next run, and one that is absent fails that action, naming it.
 */
export class Maps {
  constructor (readonly dir = '') {}

  read (name: string): string {
    if (!name || /[/\\]|^\.\.?$/.test(name)) {
      throw new ActionFailure('InvalidMapName', `'${name}' is not a map name (a file name in the maps folder).`)
    }
    if (!this.dir) {
      throw new ActionFailure('MapNotFound', `The map '${name}' cannot be found: FLOWS_MAPS_DIR names no maps folder.`)
    }
    for (const file of [name, `${name}.xslt`, `${name}.xsl`]) {
      try {
        return readFileSync(join(this.dir, file), 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    throw new ActionFailure('MapNotFound', `The map '${name}' is not in ${this.dir} (FLOWS_MAPS_DIR).`)
  }
}
