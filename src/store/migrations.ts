/**
 * Forward-only schema migrations, applied in order on start. `PRAGMA user_version` records how many ran, so
 * a store written by an older release is upgraded in place and a newer one is refused.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, domain TEXT NOT NULL UNIQUE COLLATE NOCASE, created TEXT NOT NULL
  );
  CREATE TABLE people (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL REFERENCES orgs(id),
    email TEXT NOT NULL UNIQUE COLLATE NOCASE, display_name TEXT NOT NULL,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL, nick_name TEXT, avatar TEXT,
    phone_numbers TEXT NOT NULL DEFAULT '[]', roles TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'active', type TEXT NOT NULL DEFAULT 'person',
    created TEXT NOT NULL, last_activity TEXT
  );
  CREATE INDEX people_org_name ON people(org_id, display_name COLLATE NOCASE);
  CREATE TABLE tokens (token_hash TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES people(id), label TEXT);
  CREATE TABLE teams (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT, creator_id TEXT NOT NULL, created TEXT NOT NULL
  );
  CREATE TABLE team_memberships (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT NOT NULL REFERENCES teams(id), person_id TEXT NOT NULL REFERENCES people(id),
    is_moderator INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL,
    UNIQUE (team_id, person_id)
  );
  CREATE INDEX team_memberships_person ON team_memberships(person_id);
  CREATE TABLE rooms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, title TEXT, type TEXT NOT NULL CHECK (type IN ('direct','group')),
    is_locked INTEGER NOT NULL DEFAULT 0, team_id TEXT REFERENCES teams(id), creator_id TEXT NOT NULL,
    org_id TEXT NOT NULL, direct_key TEXT UNIQUE, created TEXT NOT NULL, last_activity TEXT NOT NULL
  );
  CREATE INDEX rooms_team ON rooms(team_id);
  CREATE INDEX rooms_last_activity ON rooms(last_activity, id);
  CREATE INDEX rooms_created ON rooms(created, id);
  CREATE TABLE memberships (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL REFERENCES rooms(id), person_id TEXT NOT NULL REFERENCES people(id),
    is_moderator INTEGER NOT NULL DEFAULT 0, is_room_hidden INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL,
    UNIQUE (room_id, person_id)
  );
  CREATE INDEX memberships_person ON memberships(person_id, room_id);
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, room_id TEXT NOT NULL REFERENCES rooms(id), person_id TEXT NOT NULL,
    parent_id TEXT, text TEXT, markdown TEXT, files TEXT, mentioned_people TEXT, mentioned_groups TEXT,
    to_person_id TEXT, to_person_email TEXT, created TEXT NOT NULL
  );
  CREATE INDEX messages_room ON messages(room_id, seq);
  CREATE TABLE message_mentions (
    message_seq INTEGER NOT NULL REFERENCES messages(seq) ON DELETE CASCADE,
    room_id TEXT NOT NULL, person_id TEXT NOT NULL,
    PRIMARY KEY (room_id, person_id, message_seq)
  ) WITHOUT ROWID;
  -- The change log: one row per event, written in the same transaction as the change. Trigger delivery
  -- fans out from here, so an event can never be lost between a commit and its delivery.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    resource TEXT NOT NULL, event TEXT NOT NULL, actor_id TEXT NOT NULL, room_id TEXT, org_id TEXT NOT NULL,
    data TEXT NOT NULL, created TEXT NOT NULL
  );
  `,
  `
  -- Trigger subscriptions: Webex webhooks, connector trigger subscriptions and flow triggers share them.
  CREATE TABLE subscriptions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, owner_id TEXT NOT NULL REFERENCES people(id), org_id TEXT NOT NULL,
    name TEXT NOT NULL, target_url TEXT NOT NULL, resource TEXT NOT NULL, event TEXT NOT NULL,
    filter TEXT, secret TEXT, status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive')),
    source TEXT NOT NULL DEFAULT 'webhook', consecutive_failures INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL,
    -- Outbox rows up to this seq were delivered (or given up); they are purged in bulk later.
    delivered_through INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX subscriptions_owner ON subscriptions(owner_id, seq);
  -- The outbox: one row per (event, subscription), written in the transaction that made the change. The
  -- envelope is built from the event row when sent; \`data\` is set only where a subscriber's view differs.
  -- Pending rows after the subscription's delivered_through are the work queue; dead ones are kept for the
  -- user to see; delivered ones are purged in bulk.
  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, subscription_id TEXT NOT NULL, event_seq INTEGER NOT NULL REFERENCES events(seq),
    status TEXT NOT NULL CHECK (status IN ('pending','dead')),
    data TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    last_status INTEGER, last_error TEXT, created TEXT NOT NULL, finished TEXT
  );
  CREATE INDEX deliveries_pending ON deliveries(subscription_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_dead ON deliveries(subscription_id, seq) WHERE status = 'dead';
  `
]
