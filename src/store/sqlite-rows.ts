/** Builds a row object from a raw row (its columns' values in the SELECT's order). */
export type RowBuilder = (values: unknown[]) => Record<string, unknown>

/** Beyond this many columns V8 would not keep a literal's object in fast mode anyway: better-sqlite3 builds it. */
const MAX_COLUMNS = 64

/**
 * A builder of one statement's row objects from its raw rows, or undefined where better-sqlite3's own objects
 * must do (too many columns, or one named `__proto__`, which a literal would take for the prototype).
 *
 * Why not better-sqlite3's objects: it makes each with V8's `Object::New(names, values)`, which yields a
 * dictionary-mode object and looks every column name up in the string table on every row; the service reads
 * each row's columns by name, spreads and destructures them, all of it slow on dictionary objects. An object
 * literal gives every row of a statement one hidden class (fast properties, monomorphic reads downstream).
 * Same values, same keys in the same order; a name given twice keeps its last value, as before.
 */
export function rowBuilder (columns: readonly string[]): RowBuilder | undefined {
  if (columns.length > MAX_COLUMNS || columns.includes('__proto__')) return undefined
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')
  // The column names come from SQLite's statement, quoted as JSON string literals: no text of a caller's.
  // eslint-disable-next-line no-new-func
  return new Function('v', `return { ${fields} }`) as RowBuilder
}
