/**
 * What differs in SQL text between the two stores, for the few constructs the portable subset (README,
 * "Portable SQL") cannot express one way. Everything else is written once and runs on both.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres'
  /** The larger of two values: SQLite's two-argument max(a, b), PostgreSQL's GREATEST(a, b). */
  greatest(a: string, b: string): string
  /** The smaller of two values: min(a, b) / LEAST(a, b). */
  least(a: string, b: string): string
  /**
   * LIKE folding ASCII letters only, as SQLite's LIKE does: ILIKE on PostgreSQL, whose "C"-collated text folds
   * exactly those (the schema declares every text column COLLATE "C").
   */
  readonly ilike: string
  /** Appended to the SELECT that picks rows to claim: FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer. */
  readonly skipLocked: string
  /** Appended to a SELECT whose rows the transaction will update: FOR UPDATE on PostgreSQL; SQLite has one writer. */
  readonly forUpdate: string
  /** Makes a query use the named index where the planner would not (SQLite's INDEXED BY; PostgreSQL has none). */
  indexedBy(index: string): string
  /**
   * An inner join `a <orderedJoin> b ON ...` that SQLite must loop in the written order (its CROSS JOIN);
   * PostgreSQL's planner orders joins itself and refuses CROSS JOIN with ON, so there it is JOIN.
   */
  readonly orderedJoin: string
  /**
   * A transaction id below which every transaction has finished (committed or rolled back), for rows that carry
   * the id of the transaction that wrote them (the outbox's `tx`): reading only rows below it, in (tx, seq)
   * order, never passes a row whose transaction commits later. PostgreSQL: the snapshot's xmin. SQLite: its one
   * writer commits in seq order and writes tx 0, so 1.
   */
  readonly oldestRunningTx: string
  /**
   * "After the position (?, ?)" of rows ordered by (tx, seq), the columns prefixed by `alias` ('o.', or ''):
   * PostgreSQL's row comparison. SQLite would seek a row value on its first column only, so there
   * `(tx, seq) > (0, n)` would visit every row from the table's start (tx is always 0): it is `tx = ? AND seq > ?`,
   * a seek of the rowid (seq), with no index on (tx, seq) to write.
   */
  positionAfter(alias: string): string
  /** "From the position (?, ?) through (?, ?)", inclusive, the same way. */
  readonly positionBetween: string
  /**
   * A statement making the transactions that run it with the same text key (`?`) take turns until they commit
   * or roll back: PostgreSQL's pg_advisory_xact_lock; undefined on SQLite, whose one writer already serialises.
   */
  readonly turns: string | undefined
}

export const SQLITE: SqlDialect = {
  name: 'sqlite',
  greatest: (a, b) => `max(${a}, ${b})`,
  least: (a, b) => `min(${a}, ${b})`,
  ilike: 'LIKE',
  skipLocked: '',
  forUpdate: '',
  indexedBy: index => `INDEXED BY ${index}`,
  orderedJoin: 'CROSS JOIN',
  oldestRunningTx: '1',
  positionAfter: a => `${a}tx = ? AND ${a}seq > ?`,
  positionBetween: 'tx = ? AND seq >= ? AND tx = ? AND seq <= ?',
  turns: undefined,
}

export const POSTGRES: SqlDialect = {
  name: 'postgres',
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  least: (a, b) => `LEAST(${a}, ${b})`,
  ilike: 'ILIKE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdate: ' FOR UPDATE',
  indexedBy: () => '',
  orderedJoin: 'JOIN',
  oldestRunningTx: 'pg_snapshot_xmin(pg_current_snapshot())::text::bigint',
  positionAfter: a => `(${a}tx, ${a}seq) > (?, ?)`,
  positionBetween: '(tx, seq) >= (?, ?) AND (tx, seq) <= (?, ?)',
  // The two-key form: its key space is apart from the one-key locks (the migrations' lock).
  turns: 'SELECT pg_advisory_xact_lock(1718187348, hashtext(?))',
}

/**
 * `?` placeholders → PostgreSQL's `$1, $2, ...`, leaving alone what is quoted: 'strings' (and E'...' with
 * backslash escapes), "identifiers", $tag$ dollar quotes $tag$, -- line and /* block *\/ comments. A `?` is
 * never a PostgreSQL operator here: the portable subset does not use jsonb's ?, ?| and ?&.
 */
export function numbered (sql: string): string {
  let out = ''
  let n = 0
  let i = 0
  const len = sql.length
  while (i < len) {
    const c = sql[i]
    if (c === '?') {
      out += `$${++n}`
      i++
      continue
    }
    let end = i + 1
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]) && (i < 2 || !/\w/.test(sql[i - 2]))
      while (end < len) {
        if (escapes && sql[end] === '\\') end += 2
        else if (sql[end] === "'") {
          if (sql[end + 1] === "'") end += 2
          else {
            end++
            break
          }
        } else end++
      }
    } else if (c === '"') {
      end = sql.indexOf('"', i + 1)
      end = end < 0 ? len : end + 1
    } else if (c === '-' && sql[i + 1] === '-') {
      end = sql.indexOf('\n', i)
      end = end < 0 ? len : end
    } else if (c === '/' && sql[i + 1] === '*') {
      // PostgreSQL's block comments nest.
      let depth = 1
      end = i + 2
      while (end < len && depth > 0) {
        if (sql[end] === '/' && sql[end + 1] === '*') {
          depth++
          end += 2
        } else if (sql[end] === '*' && sql[end + 1] === '/') {
          depth--
          end += 2
        } else end++
      }
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))
      if (tag && (i === 0 || !/\w/.test(sql[i - 1]))) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        end = close < 0 ? len : close + tag[0].length
      }
    }
    out += sql.slice(i, end)
    i = end
  }
  return out
}
