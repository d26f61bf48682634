import type { Db } from './sqlite.js'

/** A change no scope describes: read caches drop everything. */
export const ALL_SCOPES = '*'

/**
 * Tables no memoised read of the embedded backend reads (the change log and delivery, flows, governance
 * bookkeeping, search and history tables kept by SQL triggers, tokens: callers are cached apart and nothing
 * changes them): their writes drop nothing. Every table not named here or in SCOPED drops everything, so a
 * table added later is safe until someone classifies it.
 */
const UNREAD = new Set([
  'events',
  'subscriptions',
  'deliveries',
  'outbox',
  'dead_letters',
  'subscription_changes',
  'flow_state',
  'flow_runs',
  'flow_run_triggers',
  'flow_run_actions',
  'flow_run_tracked',
  'flow_keys',
  'flow_webhooks',
  'search_dirty',
  'audit',
  'governance_state',
  'governance_jobs',
  'message_index',
  'person_spaces',
  'room_domains',
  'tokens',
  'contents_trash',
])

/** A row of a space's (a message, a mention): a change reaches that space's scope. */
const IN_ITS_ROOM = {
  insert: ["'room:' || R.room_id"],
  update: ["'room:' || OLD.room_id", "'room:' || NEW.room_id"],
  delete: ["'room:' || R.room_id"],
}

/**
 * What a row change of these tables reaches, as SQL over the changed row (`R` is NEW or OLD): a space's scope
 * covers its row, its memberships, its messages and their mentions, so a read of one space depends on it
 * alone; `member:<person>` covers which spaces a person is in (their memberships). People: `person:<id>` for
 * a row, `people` for which rows exist and what lookups by email or name find; an email or name change
 * (shown in message lists and 1:1 space titles) and a deletion drop everything.
 */
const SCOPED: Record<string, { insert: string[]; update: string[]; delete: string[] }> = {
  rooms: {
    insert: ["'room:' || R.id"],
    update: ["'room:' || OLD.id", "'room:' || NEW.id"],
    delete: ["'room:' || R.id"],
  },
  memberships: {
    insert: ["'room:' || R.room_id", "'member:' || R.person_id"],
    update: [
      "'room:' || OLD.room_id",
      "'room:' || NEW.room_id",
      "'member:' || OLD.person_id",
      "'member:' || NEW.person_id",
    ],
    delete: ["'room:' || R.room_id", "'member:' || R.person_id"],
  },
  messages: IN_ITS_ROOM,
  message_mentions: IN_ITS_ROOM,
  people: {
    insert: ["'people'", "'person:' || R.id"],
    update: [
      "'person:' || OLD.id",
      "'person:' || NEW.id",
      'CASE WHEN OLD.id IS NOT NEW.id OR OLD.seq IS NOT NEW.seq OR OLD.org_id IS NOT NEW.org_id OR ' +
        "OLD.email IS NOT NEW.email OR OLD.display_name IS NOT NEW.display_name THEN '*' END",
    ],
    delete: ["'*'"],
  },
}

/**
 * Makes every row this connection inserts, updates or deletes call `touch` with the scopes it reaches (TEMP
 * triggers: this connection only, and SQLite fires them for statements of every code path and of the
 * schema's own triggers alike). A null scope (a CASE that did not apply) is not passed on.
 */
export function trackChanges (db: Db, touch: (scope: string) => void): void {
  db.function('webex_cache_touch', { deterministic: false, varargs: true }, (...scopes: unknown[]) => {
    for (const s of scopes) if (typeof s === 'string') touch(s)
    return null
  })
  // Ordinary tables: virtual ones (full-text indexes) take no triggers, and their shadow tables are theirs.
  const tables = db
    .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[]
  for (const table of tables) {
    if (UNREAD.has(table)) continue
    const scoped = SCOPED[table]
    for (const op of ['insert', 'update', 'delete'] as const) {
      const row = op === 'delete' ? 'OLD' : 'NEW'
      const exprs = scoped ? scoped[op].map(e => e.replace(/\bR\./g, `${row}.`)) : [`'${ALL_SCOPES}'`]
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS "webex_cache_${table}_${op}" AFTER ${op.toUpperCase()} ON main."${table}" ` +
          `BEGIN SELECT webex_cache_touch(${exprs.join(', ')}); END`
      )
    }
  }
}
