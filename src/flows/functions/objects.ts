/** JSON object manipulation: addProperty, setProperty, removeProperty, coalesce. Inputs are never changed. */
import { copy } from '../values.js'
import { def, type Family, MAX_ARGS } from './context.js'

export const objects: Family = {
  addProperty: def(3, 3, a => {
    const o = a.obj(0)
    const name = a.str(1)
    if (Object.hasOwn(o, name)) {
      throw a.fail(`cannot add the property '${name}': the object already has it (use ` +
      'setProperty).')
    }
    return { ...copy(o), [name]: a.any(2) }
  }),
  setProperty: def(3, 3, a => ({ ...copy(a.obj(0)), [a.str(1)]: a.any(2) })),
  removeProperty: def(2, 2, a => {
    const { [a.str(1)]: _gone, ...rest } = copy(a.obj(0))
    return rest
  }),
  coalesce: def(1, MAX_ARGS, a => a.values.find(v => v !== null && v !== undefined) ?? null),
}
