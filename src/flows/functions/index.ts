/**
 * The function table: every function of the language, one family module each, collected here. The loader's
 * checks (known name, argument count, references to actions, loops, variables) and evaluation read this one
 * table. Names ignore case, as in Logic Apps.
 */
import { collections } from './collections.js'
import { type FnSpec, type Family } from './context.js'
import { conversion } from './conversion.js'
import { dates } from './dates.js'
import { logic } from './logic.js'
import { math } from './math.js'
import { objects } from './objects.js'
import { strings } from './strings.js'
import { uris } from './uri.js'
import { workflow } from './workflow.js'
import { xmlFunctions } from './xml.js'

const FAMILIES: Record<string, Family> = {
  strings,
  collections,
  logic,
  conversion,
  math,
  dates,
  uri: uris,
  workflow,
  xml: xmlFunctions,
  objects,
}

export const TABLE: Record<string, FnSpec & { family: string }> = {}
for (const [family, fns] of Object.entries(FAMILIES)) {
  for (const [name, make] of Object.entries(fns)) {
    if (TABLE[name]) throw new Error(`The function '${name}' is defined twice (${TABLE[name].family}, ${family}).`)
    TABLE[name] = { ...make(name), family }
  }
}

const BY_LOWER = new Map(Object.entries(TABLE).map(([k, v]) => [k.toLowerCase(), v]))

export function lookup (name: string): (FnSpec & { family: string }) | undefined {
  return BY_LOWER.get(name.toLowerCase())
}
