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
  `,
  `
  -- Governance. Aggregates that search and retention filter on are kept exact by triggers, whatever code
  -- path changes memberships: member and external-member counts, and the external domains of each space.
  ALTER TABLE rooms ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rooms ADD COLUMN external_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rooms ADD COLUMN classification_id TEXT;
  ALTER TABLE rooms ADD COLUMN is_blocked INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX rooms_org_created ON rooms(org_id, created, id);
  CREATE INDEX rooms_org_activity ON rooms(org_id, last_activity, id);
  CREATE INDEX rooms_org_classification ON rooms(org_id, classification_id, created, id);
  CREATE INDEX rooms_org_external ON rooms(org_id, created, id) WHERE external_count > 0;
  CREATE INDEX messages_room_created ON messages(room_id, created);
  CREATE TABLE room_domains (
    room_id TEXT NOT NULL, domain TEXT NOT NULL, members INTEGER NOT NULL, PRIMARY KEY (room_id, domain)
  ) WITHOUT ROWID;
  CREATE INDEX room_domains_domain ON room_domains(domain, room_id);
  CREATE TRIGGER memberships_counts_insert AFTER INSERT ON memberships BEGIN
    UPDATE rooms SET member_count = member_count + 1,
      external_count = external_count + (SELECT p.org_id <> rooms.org_id FROM people p WHERE p.id = NEW.person_id)
    WHERE id = NEW.room_id;
    INSERT INTO room_domains (room_id, domain, members)
      SELECT NEW.room_id, lower(substr(p.email, instr(p.email, '@') + 1)), 1
      FROM people p JOIN rooms r ON r.id = NEW.room_id WHERE p.id = NEW.person_id AND p.org_id <> r.org_id
      ON CONFLICT (room_id, domain) DO UPDATE SET members = members + 1;
  END;
  CREATE TRIGGER memberships_counts_delete AFTER DELETE ON memberships BEGIN
    UPDATE rooms SET member_count = member_count - 1,
      external_count = external_count - (SELECT p.org_id <> rooms.org_id FROM people p WHERE p.id = OLD.person_id)
    WHERE id = OLD.room_id;
    UPDATE room_domains SET members = members - 1 WHERE room_id = OLD.room_id
      AND domain = (SELECT lower(substr(p.email, instr(p.email, '@') + 1)) FROM people p JOIN rooms r ON r.id =
      OLD.room_id
                    WHERE p.id = OLD.person_id AND p.org_id <> r.org_id);
    DELETE FROM room_domains WHERE room_id = OLD.room_id AND members <= 0;
  END;
  UPDATE rooms SET
    member_count = (SELECT count(*) FROM memberships m WHERE m.room_id = rooms.id),
    external_count = (SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.room_id =
    rooms.id AND p.org_id <> rooms.org_id);
  INSERT INTO room_domains (room_id, domain, members)
    SELECT m.room_id, lower(substr(p.email, instr(p.email, '@') + 1)), count(*)
    FROM memberships m JOIN people p ON p.id = m.person_id JOIN rooms r ON r.id = m.room_id
    WHERE p.org_id <> r.org_id GROUP BY 1, 2;
  -- Substring search on titles: a trigram index kept in step with rooms by triggers.
  CREATE VIRTUAL TABLE room_titles USING fts5(title, tokenize = 'trigram');
  CREATE TRIGGER rooms_title_insert AFTER INSERT ON rooms WHEN NEW.title IS NOT NULL BEGIN
    INSERT INTO room_titles (rowid, title) VALUES (NEW.seq, NEW.title);
  END;
  CREATE TRIGGER rooms_title_update AFTER UPDATE OF title ON rooms BEGIN
    DELETE FROM room_titles WHERE rowid = OLD.seq;
    INSERT INTO room_titles (rowid, title) SELECT NEW.seq, NEW.title WHERE NEW.title IS NOT NULL;
  END;
  CREATE TRIGGER rooms_title_delete AFTER DELETE ON rooms BEGIN
    DELETE FROM room_titles WHERE rowid = OLD.seq;
    DELETE FROM space_tags WHERE room_seq = OLD.seq;
    DELETE FROM retention_overrides WHERE room_id = OLD.id;
  END;
  INSERT INTO room_titles (rowid, title) SELECT seq, title FROM rooms WHERE title IS NOT NULL;
  CREATE TABLE tags (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL, name TEXT NOT NULL,
    created TEXT NOT NULL, UNIQUE (org_id, name COLLATE NOCASE)
  );
  CREATE TABLE space_tags (room_seq INTEGER NOT NULL, tag_id TEXT NOT NULL, PRIMARY KEY (room_seq, tag_id)) WITHOUT
  ROWID;
  CREATE INDEX space_tags_tag ON space_tags(tag_id, room_seq);
  CREATE TABLE classifications (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, rank INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1, last_modified TEXT NOT NULL, UNIQUE (org_id, rank)
  );
  CREATE TABLE directory_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL, name TEXT NOT NULL,
    description TEXT, created TEXT NOT NULL, UNIQUE (org_id, name COLLATE NOCASE)
  );
  CREATE TABLE group_members (group_id TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (group_id, person_id))
  WITHOUT ROWID;
  CREATE INDEX group_members_person ON group_members(person_id, group_id);
  CREATE TABLE retention_policies (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL, name TEXT NOT NULL,
    conditions TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('deleteMessages','deleteSpaces')), days INTEGER
    NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1, priority INTEGER NOT NULL DEFAULT 100, created_by TEXT NOT NULL, created TEXT
    NOT NULL
  );
  CREATE TABLE retention_overrides (
    room_id TEXT PRIMARY KEY, mode TEXT NOT NULL CHECK (mode IN ('keep','days')), days INTEGER, set_by TEXT NOT NULL,
    created TEXT NOT NULL
  );
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, org_id TEXT NOT NULL, at TEXT NOT NULL, actor_id TEXT, policy_id TEXT,
    room_id TEXT, action TEXT NOT NULL, detail TEXT NOT NULL
  );
  CREATE INDEX audit_org_at ON audit(org_id, at);
  CREATE INDEX audit_room ON audit(room_id, seq);
  CREATE INDEX audit_policy ON audit(policy_id, seq);
  `,
  `
  -- Webex backend: one Webex webhook per local subscriber ("firehose") relays their events to this service.
  CREATE TABLE webex_firehoses (
    owner_id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, secret TEXT NOT NULL, target_url TEXT NOT NULL, created TEXT
    NOT NULL
  );
  `,
  `
  -- Workflow runtime: enable/disable state set through the API (beats the file's default), runs and their actions.
  CREATE TABLE flow_state (flow_id TEXT PRIMARY KEY, enabled INTEGER NOT NULL, updated TEXT NOT NULL);
  CREATE TABLE flow_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, flow_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Queued','Running','Succeeded','Failed','Cancelled','Skipped')),
    source TEXT NOT NULL CHECK (source IN ('event','recurrence','manual')), trigger_name TEXT NOT NULL, trigger_body
    TEXT NOT NULL,
    event_seq INTEGER, created TEXT NOT NULL, created_ms INTEGER NOT NULL, started TEXT, finished TEXT, finished_ms
    INTEGER, error TEXT
  );
  CREATE INDEX flow_runs_flow ON flow_runs(flow_id, seq);
  CREATE INDEX flow_runs_open ON flow_runs(status) WHERE status IN ('Queued','Running');
  CREATE TABLE flow_run_actions (
    run_seq INTEGER NOT NULL, ord INTEGER NOT NULL, name TEXT NOT NULL, iteration TEXT, type TEXT NOT NULL, status
    TEXT NOT NULL,
    attempts INTEGER NOT NULL, inputs TEXT, outputs TEXT, error TEXT, started TEXT NOT NULL, finished TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (run_seq, ord)
  ) WITHOUT ROWID;
  `,
  `
  -- Advanced search runs over an in-memory index (governance/search-index.ts); these triggers note every space
  -- whose searchable facts may have changed, whatever wrote them, so the index reloads exactly those.
  CREATE TABLE search_dirty (room_seq INTEGER PRIMARY KEY) WITHOUT ROWID;
  CREATE TRIGGER search_rooms_insert AFTER INSERT ON rooms BEGIN INSERT OR IGNORE INTO search_dirty VALUES (NEW.seq);
  END;
  CREATE TRIGGER search_rooms_update AFTER UPDATE ON rooms BEGIN INSERT OR IGNORE INTO search_dirty VALUES (NEW.seq);
  END;
  CREATE TRIGGER search_rooms_delete AFTER DELETE ON rooms BEGIN INSERT OR IGNORE INTO search_dirty VALUES (OLD.seq);
  END;
  CREATE TRIGGER search_tags_insert AFTER INSERT ON space_tags BEGIN INSERT OR IGNORE INTO search_dirty VALUES
  (NEW.room_seq); END;
  CREATE TRIGGER search_tags_delete AFTER DELETE ON space_tags BEGIN INSERT OR IGNORE INTO search_dirty VALUES
  (OLD.room_seq); END;
  CREATE TRIGGER search_group_members_insert AFTER INSERT ON group_members BEGIN
    INSERT OR IGNORE INTO search_dirty SELECT r.seq FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE
    m.person_id = NEW.person_id;
  END;
  CREATE TRIGGER search_group_members_delete AFTER DELETE ON group_members BEGIN
    INSERT OR IGNORE INTO search_dirty SELECT r.seq FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE
    m.person_id = OLD.person_id;
  END;
  `,
  `
  -- The outbox without its per-row uuid: a UNIQUE random key put every delivery (ten per message at ten
  -- subscriptions) into a random page of its index, each written to the WAL at commit. A delivery's id is
  -- derived from its seq where it is shown. The AUTOINCREMENT high-water mark carries over, so seqs (the
  -- subscriptions' delivered_through watermarks) never go back.
  CREATE TABLE deliveries_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL, event_seq INTEGER NOT NULL REFERENCES events(seq),
    status TEXT NOT NULL CHECK (status IN ('pending','dead')),
    data TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    last_status INTEGER, last_error TEXT, created TEXT NOT NULL, finished TEXT
  );
  INSERT INTO deliveries_new SELECT seq, subscription_id, event_seq, status, data, attempts, next_attempt_at,
  last_status, last_error, created, finished
    FROM deliveries;
  DELETE FROM sqlite_sequence WHERE name = 'deliveries_new';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries_new', seq FROM sqlite_sequence WHERE name = 'deliveries';
  DROP TABLE deliveries;
  ALTER TABLE deliveries_new RENAME TO deliveries;
  CREATE INDEX deliveries_pending ON deliveries(subscription_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_dead ON deliveries(subscription_id, seq) WHERE status = 'dead';
  `,
  `
  -- Cards, threads, edits, files (issue 13). A message keeps its card as JSON; edits are counted (Webex allows 10).
  ALTER TABLE messages ADD COLUMN attachments TEXT;
  -- Webex's announcement mode: in a locked space, only moderators post (a lock alone does not stop posting).
  ALTER TABLE rooms ADD COLUMN is_announcement_only INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN updated TEXT;
  ALTER TABLE messages ADD COLUMN edits INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX messages_parent ON messages(room_id, parent_id, seq) WHERE parent_id IS NOT NULL;
  CREATE TABLE attachment_actions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, message_id TEXT NOT NULL, room_id TEXT NOT NULL,
    person_id TEXT NOT NULL, type TEXT NOT NULL, inputs TEXT NOT NULL, created TEXT NOT NULL
  );
  CREATE INDEX attachment_actions_room ON attachment_actions(room_id);
  -- Uploaded and re-hosted files: the bytes live in DATA_DIR/contents/<id>, written before the row commits.
  CREATE TABLE contents (
    id TEXT PRIMARY KEY, message_id TEXT NOT NULL, room_id TEXT NOT NULL, filename TEXT NOT NULL,
    content_type TEXT NOT NULL, size INTEGER NOT NULL, created TEXT NOT NULL
  );
  CREATE INDEX contents_message ON contents(message_id);
  -- Whatever deletes a message (the author, a moderator, retention, a space deleted with its content) takes its
  -- file with it: the row goes here in the same transaction, and the file is unlinked once that has committed.
  CREATE TABLE contents_trash (id TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TRIGGER messages_contents_delete AFTER DELETE ON messages BEGIN
    INSERT OR IGNORE INTO contents_trash (id) SELECT id FROM contents WHERE message_id = OLD.id;
    DELETE FROM contents WHERE message_id = OLD.id;
    DELETE FROM attachment_actions WHERE message_id = OLD.id;
  END;
  `,
  `
  -- Workflow runtime, part 2: runs started by a Request, a poll, a webhook callback or another flow; the trigger's
  -- outputs beside its body; the client tracking id; the workflow's outputs and the Response an asynchronous caller
  -- polls; tracked properties (filterable); the per-flow keys that sign callback URLs; HttpWebhook subscriptions.
  CREATE TABLE flow_runs_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, flow_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Queued','Running','Succeeded','Failed','Cancelled','Skipped')),
    source TEXT NOT NULL CHECK (source IN ('event','recurrence','manual','request','poll','webhook','workflow')),
    trigger_name TEXT NOT NULL, trigger_body TEXT NOT NULL, trigger_outputs TEXT, client_tracking_id TEXT,
    event_seq INTEGER, created TEXT NOT NULL, created_ms INTEGER NOT NULL, started TEXT, finished TEXT, finished_ms
    INTEGER, error TEXT, outputs TEXT, response TEXT
  );
  INSERT INTO flow_runs_new (seq, id, flow_id, status, source, trigger_name, trigger_body, event_seq, created,
    created_ms, started, finished, finished_ms, error)
    SELECT seq, id, flow_id, status, source, trigger_name, trigger_body, event_seq, created, created_ms, started,
    finished, finished_ms, error FROM flow_runs;
  DELETE FROM sqlite_sequence WHERE name = 'flow_runs_new';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'flow_runs_new', seq FROM sqlite_sequence WHERE name = 'flow_runs';
  DROP TABLE flow_runs;
  ALTER TABLE flow_runs_new RENAME TO flow_runs;
  CREATE INDEX flow_runs_flow ON flow_runs(flow_id, seq);
  CREATE INDEX flow_runs_open ON flow_runs(status) WHERE status IN ('Queued','Running');
  ALTER TABLE flow_run_actions ADD COLUMN tracked TEXT;
  CREATE TABLE flow_run_tracked (
    run_seq INTEGER NOT NULL, action TEXT NOT NULL, name TEXT NOT NULL, value TEXT
  );
  CREATE INDEX flow_run_tracked_by ON flow_run_tracked(name, value, run_seq);
  CREATE TABLE flow_keys (
    flow_id TEXT PRIMARY KEY, primary_key TEXT NOT NULL, secondary_key TEXT NOT NULL, updated TEXT NOT NULL
  );
  CREATE TABLE flow_webhooks (
    flow_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, unsubscribe TEXT, subscribed TEXT NOT NULL
  );
  `,
  `
  -- Governance beyond retention (issue 19). The audit becomes a hash chain per organisation: each record
  -- carries the SHA-256 of the one before it (prev_hash) and its own (hash), computed in code when written.
  ALTER TABLE audit ADD COLUMN prev_hash TEXT;
  ALTER TABLE audit ADD COLUMN hash TEXT;
  CREATE INDEX audit_org_seq ON audit(org_id, seq);
  -- Legal holds on a space, a person (every space they are or were in) or a tag; released ones stay on record.
  CREATE TABLE legal_holds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('space','person','tag')), target_id TEXT NOT NULL, name TEXT NOT NULL,
    reason TEXT, created_by TEXT NOT NULL, created TEXT NOT NULL, released_by TEXT, released TEXT
  );
  CREATE INDEX legal_holds_active ON legal_holds(org_id, kind, target_id) WHERE released IS NULL;
  -- Every space a person is or was in, whoever wrote the membership: a hold on a person follows them. By room
  -- seq (never reused), so a hold finds its spaces without a lookup by uuid; a deleted space's rows stay.
  CREATE TABLE person_spaces (person_id TEXT NOT NULL, room_seq INTEGER NOT NULL, PRIMARY KEY (person_id, room_seq))
  WITHOUT ROWID;
  CREATE TRIGGER memberships_history AFTER INSERT ON memberships BEGIN
    INSERT OR IGNORE INTO person_spaces (person_id, room_seq)
      SELECT NEW.person_id, seq FROM rooms WHERE id = NEW.room_id;
  END;
  INSERT OR IGNORE INTO person_spaces (person_id, room_seq)
    SELECT m.person_id, r.seq FROM memberships m JOIN rooms r ON r.id = m.room_id;
  -- Preservation locks: once set, a policy or override can only be extended.
  ALTER TABLE retention_policies ADD COLUMN locked TEXT;
  ALTER TABLE retention_policies ADD COLUMN locked_by TEXT;
  ALTER TABLE retention_overrides ADD COLUMN locked TEXT;
  ALTER TABLE retention_overrides ADD COLUMN locked_by TEXT;
  -- Disposition notices: days before a policy's deletion falls due (JSON array), per-space extensions and
  -- exclusions, and the notices sent (one per space, decision, tier and due date).
  ALTER TABLE retention_policies ADD COLUMN notice_days TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE disposition_settings (
    room_id TEXT PRIMARY KEY, extra_days INTEGER NOT NULL DEFAULT 0, notices_excluded INTEGER NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL, updated TEXT NOT NULL
  );
  CREATE TABLE disposition_notices (
    room_id TEXT NOT NULL, decided_by TEXT NOT NULL, tier INTEGER NOT NULL, due TEXT NOT NULL, sent TEXT NOT NULL,
    recipients INTEGER NOT NULL, PRIMARY KEY (room_id, decided_by, tier, due)
  ) WITHOUT ROWID;
  CREATE TRIGGER rooms_governance_delete AFTER DELETE ON rooms BEGIN
    DELETE FROM disposition_settings WHERE room_id = OLD.id;
    DELETE FROM disposition_notices WHERE room_id = OLD.id;
  END;
  -- Webex's compliance model: the ids of deleted messages (a compliance officer deleting one again is told 410
  -- Gone, as Webex answers). Announcement mode (rooms.is_announcement_only) came with the previous migrations.
  CREATE TABLE message_tombstones (id TEXT PRIMARY KEY, room_id TEXT NOT NULL, org_id TEXT) WITHOUT ROWID;
  CREATE TRIGGER messages_tombstone AFTER DELETE ON messages BEGIN
    INSERT OR IGNORE INTO message_tombstones (id, room_id, org_id)
      VALUES (OLD.id, OLD.room_id, (SELECT org_id FROM rooms WHERE id = OLD.room_id));
    -- The search index keeps each space's message times (retention counts them): a deletion changes them.
    -- (A new message touches its space's last activity, which marks it already.)
    INSERT OR IGNORE INTO search_dirty SELECT seq FROM rooms WHERE id = OLD.room_id;
  END;
  -- Webex backend: what the governance layer keeps to act through Webex. Key/value state (the events
  -- watermark), journalled multi-call jobs (an interrupted one resumes), what a block changed at Webex (to
  -- restore it), and the spaces whose message index (ids and times, never text) is complete.
  CREATE TABLE governance_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE governance_jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, org_id TEXT NOT NULL, kind TEXT NOT NULL, room_id TEXT NOT NULL,
    actor_id TEXT NOT NULL, policy_id TEXT, detail TEXT NOT NULL, pending TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL, finished TEXT
  );
  CREATE INDEX governance_jobs_open ON governance_jobs(room_id) WHERE finished IS NULL;
  CREATE TABLE webex_blocks (
    room_id TEXT PRIMARY KEY, read_only_before INTEGER NOT NULL, announcement_before INTEGER NOT NULL,
    since TEXT NOT NULL
  );
  CREATE TABLE message_index (room_id TEXT PRIMARY KEY, indexed TEXT NOT NULL);
  `,
  `
  -- Resubmit (issue 18): a run started again from another keeps the link to its origin, and the actions it
  -- was resubmitted from; an action record copied from the origin (not run again) names the run it came from.
  ALTER TABLE flow_runs ADD COLUMN origin_run TEXT;
  ALTER TABLE flow_runs ADD COLUMN resubmit_actions TEXT;
  ALTER TABLE flow_run_actions ADD COLUMN reused_from TEXT;
  CREATE INDEX flow_runs_created ON flow_runs(flow_id, created_ms);
  `,
  `
  -- Several instances on PostgreSQL (issue 16): the instance running a run. SQLite has one; the column keeps
  -- both schemas alike.
  ALTER TABLE flow_runs ADD COLUMN instance TEXT;
  `,
  `
  -- The outbox, one row per event (issue 17): the subscriptions it goes to in \`targets\` (",id,id,"), and in
  -- \`views\` the data of those whose view differs ({"id": data}). A lane reads the rows naming its subscription
  -- forward from its watermark (delivered_tx, delivered_through: the position (tx, seq) of the last row it
  -- delivered or gave up); the head's retry state is kept on the subscription; what was given up is a dead
  -- letter. A message to ten webhooks is one insert, where it was ten inserts and ten deletes. \`tx\` is 0 here
  -- (one writer commits in seq order) and the transaction id on PostgreSQL (pg-migrations.ts). Delivered rows
  -- are purged in bulk. The pending and dead rows of \`deliveries\` carry over with their seqs.
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tx INTEGER NOT NULL DEFAULT 0, event_seq INTEGER NOT NULL REFERENCES events(seq),
    targets TEXT NOT NULL, views TEXT
  );
  CREATE INDEX outbox_position ON outbox(tx, seq);
  CREATE TABLE dead_letters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL, event_seq INTEGER NOT NULL REFERENCES events(seq), data TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, created TEXT NOT NULL,
    finished TEXT NOT NULL
  );
  CREATE INDEX dead_letters_subscription ON dead_letters(subscription_id, seq);
  ALTER TABLE subscriptions ADD COLUMN delivered_tx INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_due INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_status INTEGER;
  ALTER TABLE subscriptions ADD COLUMN retry_error TEXT;
  -- Bumped by every change to what the fan-out matches: an instance revalidates its cache of subscriptions on it.
  CREATE TABLE subscription_changes (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
  INSERT INTO subscription_changes (id, n) VALUES (1, 0);
  INSERT INTO outbox (seq, event_seq, targets, views)
    SELECT d.seq, d.event_seq, ',' || d.subscription_id || ',',
      CASE WHEN d.data IS NULL THEN NULL ELSE json_object(d.subscription_id, json(d.data)) END
    FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.seq > s.delivered_through;
  UPDATE subscriptions SET (retry_seq, retry_attempts, retry_due, retry_status, retry_error) = (
    SELECT d.seq, d.attempts, d.next_attempt_at, d.last_status, d.last_error FROM deliveries d
    WHERE d.subscription_id = subscriptions.id AND d.status = 'pending' AND d.seq > subscriptions.delivered_through
    ORDER BY d.seq LIMIT 1)
  WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = subscriptions.id AND d.status = 'pending'
    AND d.seq > subscriptions.delivered_through AND d.attempts > 0);
  INSERT INTO dead_letters (seq, subscription_id, event_seq, data, attempts, last_status, last_error, created,
    finished)
    SELECT seq, subscription_id, event_seq, data, attempts, last_status, last_error, created,
      coalesce(finished, created)
    FROM deliveries WHERE status = 'dead';
  DELETE FROM sqlite_sequence WHERE name IN ('outbox', 'dead_letters');
  INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox', seq FROM sqlite_sequence WHERE name = 'deliveries';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'dead_letters', seq FROM sqlite_sequence WHERE name = 'deliveries';
  DROP TABLE deliveries;
  `,
  `
  -- An Http (polling) trigger's steering by its last answer (Location: where to poll next; Retry-After: when),
  -- shared by every instance and kept over a restart; \`origin\` is the trigger's own uri it applies to.
  CREATE TABLE poll_steering (flow_id TEXT PRIMARY KEY, origin TEXT NOT NULL, uri TEXT NOT NULL, due_ms INTEGER);
  `,
  `
  -- Get Spaces List by creation (issue 17): each membership carries its space's creation time, so a caller's
  -- spaces are read in order from an index (person, room_created, room_id) a page at a time instead of all of
  -- them being joined and sorted per call. Triggers keep it whatever code path writes a membership or a space.
  ALTER TABLE memberships ADD COLUMN room_created TEXT NOT NULL DEFAULT '';
  UPDATE memberships SET room_created = (SELECT r.created FROM rooms r WHERE r.id = memberships.room_id);
  CREATE INDEX memberships_person_created ON memberships(person_id, room_created, room_id);
  CREATE TRIGGER memberships_room_created AFTER INSERT ON memberships
  WHEN NEW.room_created IS NOT (SELECT r.created FROM rooms r WHERE r.id = NEW.room_id) BEGIN
    UPDATE memberships SET room_created = (SELECT r.created FROM rooms r WHERE r.id = NEW.room_id)
    WHERE seq = NEW.seq;
  END;
  CREATE TRIGGER memberships_room_moved AFTER UPDATE OF room_id, room_created ON memberships
  WHEN NEW.room_created IS NOT (SELECT r.created FROM rooms r WHERE r.id = NEW.room_id) BEGIN
    UPDATE memberships SET room_created = (SELECT r.created FROM rooms r WHERE r.id = NEW.room_id)
    WHERE seq = NEW.seq;
  END;
  CREATE TRIGGER rooms_created_memberships AFTER UPDATE OF created ON rooms BEGIN
    UPDATE memberships SET room_created = NEW.created WHERE room_id = NEW.id;
  END;
  `,
  `
  -- A run's trigger body in a table of its own (issue 17): written once with the queued run, never rewritten. In
  -- the run's row it was copied again by every UPDATE of the run (claimed, ended: a 1 KB envelope each time).
  CREATE TABLE flow_run_triggers (run_seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
  INSERT INTO flow_run_triggers (run_seq, body) SELECT seq, trigger_body FROM flow_runs;
  ALTER TABLE flow_runs DROP COLUMN trigger_body;
  `,
  `
  -- The outbox without its (tx, seq) index (issue 17): tx is always 0 here, so every read of the lanes, the window
  -- and the purge (\`tx = 0 AND seq > ?\`, dialect.ts) seeks the rowid (seq) as well, and the index was one more
  -- b-tree written on every event's insert and purge. PostgreSQL keeps it: there tx is the writer's transaction.
  DROP INDEX outbox_position;
  `,
]
