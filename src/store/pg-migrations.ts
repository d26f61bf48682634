import type pg from 'pg'

/** Every text column: compared and sorted byte by byte, as SQLite's BINARY collation does, whatever the locale. */
const T = 'text COLLATE "C"'
/** Case-insensitive text (SQLite's COLLATE NOCASE columns): equality and uniqueness ignore case. */
const CI = 'text COLLATE nocase'
const SEQ = 'seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY'

/**
 * PostgreSQL's forward-only migrations, recorded in `schema_migrations`. The first creates the schema that
 * SQLite's migrations (migrations.ts) end with: the same tables, columns, keys and named indexes (a test reads
 * both catalogs), so the same SQL text runs on both. Where SQLite keeps derived state with triggers, so does
 * this one, in PL/pgSQL: member and external counts, external domains, the title index, `search_dirty`,
 * `contents_trash`. Types: SQLite INTEGER is bigint here (64-bit either way), TEXT is "C"-collated text, and
 * flags stay integers (0/1), so `is_locked = 1` reads the same on both.
 *
 * Differences a reader of SQL must know (README, "Portable SQL"): `nocase` is an ICU case-insensitive
 * collation, which folds all of Unicode where SQLite's NOCASE folds ASCII; `room_titles` is a plain table with a
 * trigram index (pg_trgm) where SQLite has an FTS5 trigram table, queried the same way through `dialect.ilike`.
 */
export const PG_MIGRATIONS: string[] = [
  `
  CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  CREATE EXTENSION IF NOT EXISTS pg_trgm;

  CREATE TABLE orgs (id ${T} PRIMARY KEY, name ${T} NOT NULL, domain ${CI} NOT NULL UNIQUE, created ${T} NOT NULL);
  CREATE TABLE people (
    ${SEQ}, id ${T} NOT NULL UNIQUE, org_id ${T} NOT NULL REFERENCES orgs(id),
    email ${CI} NOT NULL UNIQUE, display_name ${T} NOT NULL,
    first_name ${T} NOT NULL, last_name ${T} NOT NULL, nick_name ${T}, avatar ${T},
    phone_numbers ${T} NOT NULL DEFAULT '[]', roles ${T} NOT NULL DEFAULT '[]',
    status ${T} NOT NULL DEFAULT 'active', type ${T} NOT NULL DEFAULT 'person',
    created ${T} NOT NULL, last_activity ${T}
  );
  CREATE INDEX people_org_name ON people (org_id, display_name COLLATE nocase);
  CREATE TABLE tokens (token_hash ${T} PRIMARY KEY, person_id ${T} NOT NULL REFERENCES people(id), label ${T});
  CREATE TABLE teams (
    ${SEQ}, id ${T} NOT NULL UNIQUE, name ${T} NOT NULL, description ${T}, creator_id ${T} NOT NULL,
    created ${T} NOT NULL
  );
  CREATE TABLE team_memberships (
    ${SEQ}, team_id ${T} NOT NULL REFERENCES teams(id), person_id ${T} NOT NULL REFERENCES people(id),
    is_moderator bigint NOT NULL DEFAULT 0, created ${T} NOT NULL, UNIQUE (team_id, person_id)
  );
  CREATE INDEX team_memberships_person ON team_memberships (person_id);
  CREATE TABLE rooms (
    ${SEQ}, id ${T} NOT NULL UNIQUE, title ${T}, type ${T} NOT NULL CHECK (type IN ('direct','group')),
    is_locked bigint NOT NULL DEFAULT 0, team_id ${T} REFERENCES teams(id), creator_id ${T} NOT NULL,
    org_id ${T} NOT NULL, direct_key ${T} UNIQUE, created ${T} NOT NULL, last_activity ${T} NOT NULL,
    member_count bigint NOT NULL DEFAULT 0, external_count bigint NOT NULL DEFAULT 0, classification_id ${T},
    is_blocked bigint NOT NULL DEFAULT 0, is_announcement_only bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX rooms_team ON rooms (team_id);
  CREATE INDEX rooms_last_activity ON rooms (last_activity, id);
  CREATE INDEX rooms_created ON rooms (created, id);
  CREATE INDEX rooms_org_created ON rooms (org_id, created, id);
  CREATE INDEX rooms_org_activity ON rooms (org_id, last_activity, id);
  CREATE INDEX rooms_org_classification ON rooms (org_id, classification_id, created, id);
  CREATE INDEX rooms_org_external ON rooms (org_id, created, id) WHERE external_count > 0;
  CREATE TABLE memberships (
    ${SEQ}, room_id ${T} NOT NULL REFERENCES rooms(id), person_id ${T} NOT NULL REFERENCES people(id),
    is_moderator bigint NOT NULL DEFAULT 0, is_room_hidden bigint NOT NULL DEFAULT 0, created ${T} NOT NULL,
    UNIQUE (room_id, person_id)
  );
  CREATE INDEX memberships_person ON memberships (person_id, room_id);
  CREATE TABLE messages (
    ${SEQ}, id ${T} NOT NULL UNIQUE, room_id ${T} NOT NULL REFERENCES rooms(id), person_id ${T} NOT NULL,
    parent_id ${T}, text ${T}, markdown ${T}, files ${T}, mentioned_people ${T}, mentioned_groups ${T},
    to_person_id ${T}, to_person_email ${T}, created ${T} NOT NULL,
    attachments ${T}, updated ${T}, edits bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX messages_room ON messages (room_id, seq);
  CREATE INDEX messages_room_created ON messages (room_id, created);
  CREATE INDEX messages_parent ON messages (room_id, parent_id, seq) WHERE parent_id IS NOT NULL;
  CREATE TABLE message_mentions (
    message_seq bigint NOT NULL REFERENCES messages(seq) ON DELETE CASCADE,
    room_id ${T} NOT NULL, person_id ${T} NOT NULL,
    PRIMARY KEY (room_id, person_id, message_seq)
  );
  CREATE TABLE events (
    ${SEQ}, resource ${T} NOT NULL, event ${T} NOT NULL, actor_id ${T} NOT NULL, room_id ${T},
    org_id ${T} NOT NULL, data ${T} NOT NULL, created ${T} NOT NULL
  );

  CREATE TABLE subscriptions (
    ${SEQ}, id ${T} NOT NULL UNIQUE, owner_id ${T} NOT NULL REFERENCES people(id), org_id ${T} NOT NULL,
    name ${T} NOT NULL, target_url ${T} NOT NULL, resource ${T} NOT NULL, event ${T} NOT NULL,
    filter ${T}, secret ${T}, status ${T} NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive')),
    source ${T} NOT NULL DEFAULT 'webhook', consecutive_failures bigint NOT NULL DEFAULT 0, created ${T} NOT NULL,
    delivered_through bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX subscriptions_owner ON subscriptions (owner_id, seq);
  CREATE TABLE deliveries (
    ${SEQ}, subscription_id ${T} NOT NULL, event_seq bigint NOT NULL REFERENCES events(seq),
    status ${T} NOT NULL CHECK (status IN ('pending','dead')),
    data ${T}, attempts bigint NOT NULL DEFAULT 0, next_attempt_at bigint NOT NULL,
    last_status bigint, last_error ${T}, created ${T} NOT NULL, finished ${T}
  );
  CREATE INDEX deliveries_pending ON deliveries (subscription_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_dead ON deliveries (subscription_id, seq) WHERE status = 'dead';

  CREATE TABLE room_domains (
    room_id ${T} NOT NULL, domain ${T} NOT NULL, members bigint NOT NULL, PRIMARY KEY (room_id, domain)
  );
  CREATE INDEX room_domains_domain ON room_domains (domain, room_id);
  -- SQLite's FTS5 trigram table, as a table keyed like it (rowid = the room's seq) with a trigram index.
  CREATE TABLE room_titles (rowid bigint PRIMARY KEY, title ${T} NOT NULL);
  CREATE INDEX room_titles_trigram ON room_titles USING gin (title gin_trgm_ops);
  CREATE TABLE tags (
    ${SEQ}, id ${T} NOT NULL UNIQUE, org_id ${T} NOT NULL, name ${T} NOT NULL, created ${T} NOT NULL
  );
  CREATE UNIQUE INDEX tags_org_name ON tags (org_id, name COLLATE nocase);
  CREATE TABLE space_tags (room_seq bigint NOT NULL, tag_id ${T} NOT NULL, PRIMARY KEY (room_seq, tag_id));
  CREATE INDEX space_tags_tag ON space_tags (tag_id, room_seq);
  CREATE TABLE classifications (
    id ${T} PRIMARY KEY, org_id ${T} NOT NULL, rank bigint NOT NULL, title ${T} NOT NULL, description ${T} NOT NULL,
    enabled bigint NOT NULL DEFAULT 1, last_modified ${T} NOT NULL, UNIQUE (org_id, rank)
  );
  CREATE TABLE directory_groups (
    ${SEQ}, id ${T} NOT NULL UNIQUE, org_id ${T} NOT NULL, name ${T} NOT NULL, description ${T},
    created ${T} NOT NULL
  );
  CREATE UNIQUE INDEX directory_groups_org_name ON directory_groups (org_id, name COLLATE nocase);
  CREATE TABLE group_members (group_id ${T} NOT NULL, person_id ${T} NOT NULL, PRIMARY KEY (group_id, person_id));
  CREATE INDEX group_members_person ON group_members (person_id, group_id);
  CREATE TABLE retention_policies (
    ${SEQ}, id ${T} NOT NULL UNIQUE, org_id ${T} NOT NULL, name ${T} NOT NULL, conditions ${T} NOT NULL,
    action ${T} NOT NULL CHECK (action IN ('deleteMessages','deleteSpaces')), days bigint NOT NULL,
    enabled bigint NOT NULL DEFAULT 1, priority bigint NOT NULL DEFAULT 100, created_by ${T} NOT NULL,
    created ${T} NOT NULL
  );
  CREATE TABLE retention_overrides (
    room_id ${T} PRIMARY KEY, mode ${T} NOT NULL CHECK (mode IN ('keep','days')), days bigint, set_by ${T} NOT NULL,
    created ${T} NOT NULL
  );
  CREATE TABLE audit (
    ${SEQ}, org_id ${T} NOT NULL, at ${T} NOT NULL, actor_id ${T}, policy_id ${T}, room_id ${T},
    action ${T} NOT NULL, detail ${T} NOT NULL
  );
  CREATE INDEX audit_org_at ON audit (org_id, at);
  CREATE INDEX audit_room ON audit (room_id, seq);
  CREATE INDEX audit_policy ON audit (policy_id, seq);

  CREATE TABLE webex_firehoses (
    owner_id ${T} PRIMARY KEY, webhook_id ${T} NOT NULL, secret ${T} NOT NULL, target_url ${T} NOT NULL,
    created ${T} NOT NULL
  );

  CREATE TABLE flow_state (flow_id ${T} PRIMARY KEY, enabled bigint NOT NULL, updated ${T} NOT NULL);
  CREATE TABLE flow_runs (
    ${SEQ}, id ${T} NOT NULL UNIQUE, flow_id ${T} NOT NULL,
    status ${T} NOT NULL CHECK (status IN ('Queued','Running','Succeeded','Failed','Cancelled','Skipped')),
    source ${T} NOT NULL CHECK (source IN ('event','recurrence','manual','request','poll','webhook','workflow')),
    trigger_name ${T} NOT NULL, trigger_body ${T} NOT NULL, trigger_outputs ${T}, client_tracking_id ${T},
    event_seq bigint, created ${T} NOT NULL, created_ms bigint NOT NULL, started ${T}, finished ${T},
    finished_ms bigint, error ${T}, outputs ${T}, response ${T}
  );
  CREATE INDEX flow_runs_flow ON flow_runs (flow_id, seq);
  CREATE INDEX flow_runs_open ON flow_runs (status) WHERE status IN ('Queued','Running');
  CREATE TABLE flow_run_actions (
    run_seq bigint NOT NULL, ord bigint NOT NULL, name ${T} NOT NULL, iteration ${T}, type ${T} NOT NULL,
    status ${T} NOT NULL, attempts bigint NOT NULL, inputs ${T}, outputs ${T}, error ${T}, started ${T} NOT NULL,
    finished ${T} NOT NULL, duration_ms bigint NOT NULL, tracked ${T},
    PRIMARY KEY (run_seq, ord)
  );
  CREATE TABLE flow_run_tracked (run_seq bigint NOT NULL, action ${T} NOT NULL, name ${T} NOT NULL, value ${T});
  CREATE INDEX flow_run_tracked_by ON flow_run_tracked (name, value, run_seq);
  CREATE TABLE flow_keys (
    flow_id ${T} PRIMARY KEY, primary_key ${T} NOT NULL, secondary_key ${T} NOT NULL, updated ${T} NOT NULL
  );
  CREATE TABLE flow_webhooks (
    flow_id ${T} PRIMARY KEY, fingerprint ${T} NOT NULL, unsubscribe ${T}, subscribed ${T} NOT NULL
  );

  CREATE TABLE search_dirty (room_seq bigint PRIMARY KEY);
  CREATE TABLE attachment_actions (
    ${SEQ}, id ${T} NOT NULL UNIQUE, message_id ${T} NOT NULL, room_id ${T} NOT NULL,
    person_id ${T} NOT NULL, type ${T} NOT NULL, inputs ${T} NOT NULL, created ${T} NOT NULL
  );
  CREATE INDEX attachment_actions_room ON attachment_actions (room_id);
  CREATE TABLE contents (
    id ${T} PRIMARY KEY, message_id ${T} NOT NULL, room_id ${T} NOT NULL, filename ${T} NOT NULL,
    content_type ${T} NOT NULL, size bigint NOT NULL, created ${T} NOT NULL
  );
  CREATE INDEX contents_message ON contents (message_id);
  CREATE TABLE contents_trash (id ${T} PRIMARY KEY);

  -- Derived state, kept by triggers whatever code path writes (as SQLite's migrations 3, 6 and 8 do).
  -- Member counts, external counts and external domains of each space. lower() on "C" text folds ASCII only,
  -- as SQLite's lower() does.
  CREATE FUNCTION memberships_counts() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    m memberships;
    ext integer;
    dom text;
  BEGIN
    IF TG_OP = 'INSERT' THEN m := NEW; ELSE m := OLD; END IF;
    SELECT CASE WHEN p.org_id <> r.org_id THEN 1 ELSE 0 END,
      lower(substr(p.email COLLATE "C", strpos(p.email COLLATE "C", '@') + 1))
      INTO ext, dom FROM people p, rooms r WHERE p.id = m.person_id AND r.id = m.room_id;
    IF TG_OP = 'INSERT' THEN
      UPDATE rooms SET member_count = member_count + 1, external_count = external_count + coalesce(ext, 0)
        WHERE id = m.room_id;
      IF ext = 1 THEN
        INSERT INTO room_domains (room_id, domain, members) VALUES (m.room_id, dom, 1)
          ON CONFLICT (room_id, domain) DO UPDATE SET members = room_domains.members + 1;
      END IF;
      RETURN NEW;
    END IF;
    UPDATE rooms SET member_count = member_count - 1, external_count = external_count - coalesce(ext, 0)
      WHERE id = m.room_id;
    IF ext = 1 THEN
      UPDATE room_domains SET members = members - 1 WHERE room_id = m.room_id AND domain = dom;
      DELETE FROM room_domains WHERE room_id = m.room_id AND members <= 0;
    END IF;
    RETURN OLD;
  END $$;
  CREATE TRIGGER memberships_counts_insert AFTER INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_counts();
  CREATE TRIGGER memberships_counts_delete AFTER DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_counts();

  -- The title index, and what goes with a deleted space (its tags and retention override).
  CREATE FUNCTION rooms_titles() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM room_titles WHERE rowid = OLD.seq; END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.title IS NOT NULL THEN
      INSERT INTO room_titles (rowid, title) VALUES (NEW.seq, NEW.title);
    END IF;
    IF TG_OP = 'DELETE' THEN
      DELETE FROM space_tags WHERE room_seq = OLD.seq;
      DELETE FROM retention_overrides WHERE room_id = OLD.id;
      RETURN OLD;
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER rooms_title_insert AFTER INSERT ON rooms FOR EACH ROW EXECUTE FUNCTION rooms_titles();
  CREATE TRIGGER rooms_title_update AFTER UPDATE OF title ON rooms FOR EACH ROW EXECUTE FUNCTION rooms_titles();
  CREATE TRIGGER rooms_title_delete AFTER DELETE ON rooms FOR EACH ROW EXECUTE FUNCTION rooms_titles();

  -- Every space whose searchable facts may have changed, for the search index to reload.
  CREATE FUNCTION search_dirty_room() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    s bigint;
  BEGIN
    IF TG_TABLE_NAME = 'rooms' THEN
      s := CASE WHEN TG_OP = 'DELETE' THEN OLD.seq ELSE NEW.seq END;
    ELSE
      s := CASE WHEN TG_OP = 'DELETE' THEN OLD.room_seq ELSE NEW.room_seq END;
    END IF;
    INSERT INTO search_dirty (room_seq) VALUES (s) ON CONFLICT DO NOTHING;
    RETURN NULL;
  END $$;
  CREATE TRIGGER search_rooms_insert AFTER INSERT ON rooms FOR EACH ROW EXECUTE FUNCTION search_dirty_room();
  CREATE TRIGGER search_rooms_update AFTER UPDATE ON rooms FOR EACH ROW EXECUTE FUNCTION search_dirty_room();
  CREATE TRIGGER search_rooms_delete AFTER DELETE ON rooms FOR EACH ROW EXECUTE FUNCTION search_dirty_room();
  CREATE TRIGGER search_tags_insert AFTER INSERT ON space_tags FOR EACH ROW EXECUTE FUNCTION search_dirty_room();
  CREATE TRIGGER search_tags_delete AFTER DELETE ON space_tags FOR EACH ROW EXECUTE FUNCTION search_dirty_room();
  CREATE FUNCTION search_dirty_group_member() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    person text;
  BEGIN
    person := CASE WHEN TG_OP = 'DELETE' THEN OLD.person_id ELSE NEW.person_id END;
    INSERT INTO search_dirty (room_seq)
      SELECT r.seq FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE m.person_id = person
      ON CONFLICT DO NOTHING;
    RETURN NULL;
  END $$;
  CREATE TRIGGER search_group_members_insert AFTER INSERT ON group_members
    FOR EACH ROW EXECUTE FUNCTION search_dirty_group_member();
  CREATE TRIGGER search_group_members_delete AFTER DELETE ON group_members
    FOR EACH ROW EXECUTE FUNCTION search_dirty_group_member();

  -- Whatever deletes a message takes its files (unlinked after commit) and its card's actions with it.
  CREATE FUNCTION messages_contents() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO contents_trash (id) SELECT id FROM contents WHERE message_id = OLD.id ON CONFLICT DO NOTHING;
    DELETE FROM contents WHERE message_id = OLD.id;
    DELETE FROM attachment_actions WHERE message_id = OLD.id;
    RETURN OLD;
  END $$;
  CREATE TRIGGER messages_contents_delete AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_contents();
  `,
  `
  -- Cluster primitives (store/cluster/): what several instances share beyond the data.
  -- The connection throttle's sliding window per (hashed) token: the calls of the last window, oldest first.
  CREATE TABLE throttle_windows (key ${T} PRIMARY KEY, hits bigint[] NOT NULL, touched bigint NOT NULL);
  -- One call: the key's row is locked (FOR UPDATE) for the decision, so concurrent calls on any instance queue
  -- on it and the count is exact for the cluster. now_ms NULL: the database's clock, the same for every instance.
  CREATE FUNCTION throttle_take(k text, now_ms bigint, window_ms bigint, lim integer,
    OUT allowed integer, OUT remaining integer, OUT retry_after_ms bigint) LANGUAGE plpgsql AS $$
  DECLARE
    t bigint := coalesce(now_ms, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
    h bigint[];
  BEGIN
    INSERT INTO throttle_windows (key, hits, touched) VALUES (k, '{}', t) ON CONFLICT (key) DO NOTHING;
    SELECT w.hits INTO h FROM throttle_windows w WHERE w.key = k FOR UPDATE;
    h := ARRAY(SELECT x FROM unnest(h) AS x WHERE x > t - window_ms ORDER BY x);
    IF cardinality(h) >= lim THEN
      allowed := 0;
      remaining := 0;
      retry_after_ms := h[1] + window_ms - t;
    ELSE
      h := h || t;
      allowed := 1;
      remaining := lim - cardinality(h);
      retry_after_ms := 0;
    END IF;
    UPDATE throttle_windows SET hits = h, touched = t WHERE key = k;
  END $$;
  -- Leases: one holder per name at a time until expires_at (ms); fence grows with every change of holder, so a
  -- write can be refused to a holder that lost its lease.
  CREATE TABLE leases (
    name ${T} PRIMARY KEY, holder ${T} NOT NULL, fence bigint NOT NULL, expires_at bigint NOT NULL
  );
  `,
  `
  -- Governance beyond retention (issue 19; SQLite's migration 10): the audit's hash chain, legal holds, every
  -- space a person is or was in, preservation locks, disposition notices, deleted-message tombstones and what
  -- the Webex backend keeps to act through Webex.
  ALTER TABLE audit ADD COLUMN prev_hash ${T};
  ALTER TABLE audit ADD COLUMN hash ${T};
  CREATE INDEX audit_org_seq ON audit(org_id, seq);
  CREATE TABLE legal_holds (
    ${SEQ}, id ${T} NOT NULL UNIQUE, org_id ${T} NOT NULL,
    kind ${T} NOT NULL CHECK (kind IN ('space','person','tag')), target_id ${T} NOT NULL, name ${T} NOT NULL,
    reason ${T}, created_by ${T} NOT NULL, created ${T} NOT NULL, released_by ${T}, released ${T}
  );
  CREATE INDEX legal_holds_active ON legal_holds(org_id, kind, target_id) WHERE released IS NULL;
  CREATE TABLE person_spaces (person_id ${T} NOT NULL, room_seq bigint NOT NULL, PRIMARY KEY (person_id, room_seq));
  CREATE FUNCTION memberships_history() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO person_spaces (person_id, room_seq)
      SELECT NEW.person_id, seq FROM rooms WHERE id = NEW.room_id ON CONFLICT DO NOTHING;
    RETURN NULL;
  END $$;
  CREATE TRIGGER memberships_history AFTER INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_history();
  INSERT INTO person_spaces (person_id, room_seq)
    SELECT m.person_id, r.seq FROM memberships m JOIN rooms r ON r.id = m.room_id ON CONFLICT DO NOTHING;
  ALTER TABLE retention_policies ADD COLUMN locked ${T};
  ALTER TABLE retention_policies ADD COLUMN locked_by ${T};
  ALTER TABLE retention_overrides ADD COLUMN locked ${T};
  ALTER TABLE retention_overrides ADD COLUMN locked_by ${T};
  ALTER TABLE retention_policies ADD COLUMN notice_days ${T} NOT NULL DEFAULT '[]';
  CREATE TABLE disposition_settings (
    room_id ${T} PRIMARY KEY, extra_days bigint NOT NULL DEFAULT 0, notices_excluded bigint NOT NULL DEFAULT 0,
    updated_by ${T} NOT NULL, updated ${T} NOT NULL
  );
  CREATE TABLE disposition_notices (
    room_id ${T} NOT NULL, decided_by ${T} NOT NULL, tier bigint NOT NULL, due ${T} NOT NULL, sent ${T} NOT NULL,
    recipients bigint NOT NULL, PRIMARY KEY (room_id, decided_by, tier, due)
  );
  CREATE FUNCTION rooms_governance_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM disposition_settings WHERE room_id = OLD.id;
    DELETE FROM disposition_notices WHERE room_id = OLD.id;
    RETURN NULL;
  END $$;
  CREATE TRIGGER rooms_governance_delete AFTER DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION rooms_governance_delete();
  CREATE TABLE message_tombstones (id ${T} PRIMARY KEY, room_id ${T} NOT NULL, org_id ${T});
  CREATE FUNCTION messages_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO message_tombstones (id, room_id, org_id)
      VALUES (OLD.id, OLD.room_id, (SELECT org_id FROM rooms WHERE id = OLD.room_id)) ON CONFLICT DO NOTHING;
    -- The search index keeps each space's message times (retention counts them): a deletion changes them.
    INSERT INTO search_dirty (room_seq) SELECT seq FROM rooms WHERE id = OLD.room_id ON CONFLICT DO NOTHING;
    RETURN NULL;
  END $$;
  CREATE TRIGGER messages_tombstone AFTER DELETE ON messages FOR EACH ROW EXECUTE FUNCTION messages_tombstone();
  CREATE TABLE governance_state (key ${T} PRIMARY KEY, value ${T} NOT NULL);
  CREATE TABLE governance_jobs (
    ${SEQ}, org_id ${T} NOT NULL, kind ${T} NOT NULL, room_id ${T} NOT NULL,
    actor_id ${T} NOT NULL, policy_id ${T}, detail ${T} NOT NULL, pending ${T} NOT NULL DEFAULT '[]',
    created ${T} NOT NULL, finished ${T}
  );
  CREATE INDEX governance_jobs_open ON governance_jobs(room_id) WHERE finished IS NULL;
  CREATE TABLE webex_blocks (
    room_id ${T} PRIMARY KEY, read_only_before bigint NOT NULL, announcement_before bigint NOT NULL,
    since ${T} NOT NULL
  );
  CREATE TABLE message_index (room_id ${T} PRIMARY KEY, indexed ${T} NOT NULL);
  `,
  `
  ALTER TABLE flow_runs ADD COLUMN origin_run ${T};
  ALTER TABLE flow_runs ADD COLUMN resubmit_actions ${T};
  ALTER TABLE flow_run_actions ADD COLUMN reused_from ${T};
  CREATE INDEX flow_runs_created ON flow_runs (flow_id, created_ms);
  `,
  `
  -- Several instances (issue 16, part 2). Who runs a run: the instance that claimed it, whose liveness lease
  -- (leases.name = 'instance:' || instance) tells the others whether it still does.
  ALTER TABLE flow_runs ADD COLUMN instance ${T};
  -- Schedules that fire once for the cluster: a slot is taken by the one instance whose insert wins.
  CREATE TABLE schedule_slots (
    name ${T} NOT NULL, slot ${T} NOT NULL, holder ${T} NOT NULL, at_ms bigint NOT NULL, PRIMARY KEY (name, slot)
  );
  -- The search index's change log: every space whose facts may have changed, with the writing transaction's
  -- id, so each instance reads what is new to it from its own horizon (search_dirty is emptied as it fills).
  CREATE TABLE search_changes (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(), room_seq bigint NOT NULL, PRIMARY KEY (xid, room_seq)
  );
  CREATE TABLE search_readers (instance ${T} PRIMARY KEY, horizon xid8 NOT NULL, seen_ms bigint NOT NULL);
  CREATE FUNCTION search_dirty_log() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO search_changes (room_seq) VALUES (NEW.room_seq) ON CONFLICT DO NOTHING;
    DELETE FROM search_dirty WHERE room_seq = NEW.room_seq;
    RETURN NULL;
  END $$;
  CREATE TRIGGER search_dirty_log AFTER INSERT ON search_dirty FOR EACH ROW EXECUTE FUNCTION search_dirty_log();
  DELETE FROM search_dirty;
  -- Message files' bytes, in chunks, readable from every instance; erased with their contents row.
  CREATE TABLE content_chunks (
    content_id ${T} NOT NULL REFERENCES contents(id) ON DELETE CASCADE, n integer NOT NULL, data bytea NOT NULL,
    PRIMARY KEY (content_id, n)
  );
  `,
  `
  -- The outbox, one row per event (issue 17; SQLite's migration of the same name explains it). \`tx\` is the
  -- writing transaction's id: rows are read in (tx, seq) order and only below the oldest transaction still
  -- running (dialect.oldestRunningTx), so a row whose transaction commits late is never behind a watermark
  -- already past it, as it could be in seq order.
  CREATE TABLE outbox (
    ${SEQ}, tx bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    event_seq bigint NOT NULL REFERENCES events(seq), targets ${T} NOT NULL, views ${T}
  );
  CREATE INDEX outbox_position ON outbox (tx, seq);
  CREATE TABLE dead_letters (
    ${SEQ}, subscription_id ${T} NOT NULL, event_seq bigint NOT NULL REFERENCES events(seq), data ${T},
    attempts bigint NOT NULL DEFAULT 0, last_status bigint, last_error ${T}, created ${T} NOT NULL,
    finished ${T} NOT NULL
  );
  CREATE INDEX dead_letters_subscription ON dead_letters (subscription_id, seq);
  ALTER TABLE subscriptions ADD COLUMN delivered_tx bigint NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_seq bigint NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_attempts bigint NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_due bigint NOT NULL DEFAULT 0;
  ALTER TABLE subscriptions ADD COLUMN retry_status bigint;
  ALTER TABLE subscriptions ADD COLUMN retry_error ${T};
  CREATE TABLE subscription_changes (id bigint PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);
  INSERT INTO subscription_changes (id, n) VALUES (1, 0);
  INSERT INTO outbox (seq, event_seq, targets, views) OVERRIDING SYSTEM VALUE
    SELECT d.seq, d.event_seq, ',' || d.subscription_id || ',',
      CASE WHEN d.data IS NULL THEN NULL ELSE json_build_object(d.subscription_id, d.data::json)::text END
    FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.seq > s.delivered_through;
  UPDATE subscriptions s SET (retry_seq, retry_attempts, retry_due, retry_status, retry_error) = (
    SELECT d.seq, d.attempts, d.next_attempt_at, d.last_status, d.last_error FROM deliveries d
    WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.seq > s.delivered_through
    ORDER BY d.seq LIMIT 1)
  WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending'
    AND d.seq > s.delivered_through AND d.attempts > 0);
  INSERT INTO dead_letters (seq, subscription_id, event_seq, data, attempts, last_status, last_error, created,
    finished) OVERRIDING SYSTEM VALUE
    SELECT seq, subscription_id, event_seq, data, attempts, last_status, last_error, created,
      coalesce(finished, created)
    FROM deliveries WHERE status = 'dead';
  -- Seqs carry on from the highest the outbox ever used: watermarks never go back.
  DO $$
  DECLARE hw bigint := pg_sequence_last_value(pg_get_serial_sequence('deliveries', 'seq')::regclass);
  BEGIN
    IF hw IS NOT NULL THEN
      PERFORM setval(pg_get_serial_sequence('outbox', 'seq'), hw);
      PERFORM setval(pg_get_serial_sequence('dead_letters', 'seq'), hw);
    END IF;
  END $$;
  DROP TABLE deliveries;
  `,
  `
  -- An Http (polling) trigger's steering by its last answer (Location: where to poll next; Retry-After: when),
  -- shared by every instance and kept over a restart; \`origin\` is the trigger's own uri it applies to.
  CREATE TABLE poll_steering (flow_id ${T} PRIMARY KEY, origin ${T} NOT NULL, uri ${T} NOT NULL, due_ms bigint);
  `,
  `
  -- Get Spaces List by creation (issue 17, SQLite's migration 15): each membership carries its space's creation
  -- time, set before the row is written, so a caller's spaces are read in order from an index a page at a time.
  ALTER TABLE memberships ADD COLUMN room_created ${T} NOT NULL DEFAULT '';
  UPDATE memberships m SET room_created = r.created FROM rooms r WHERE r.id = m.room_id;
  CREATE INDEX memberships_person_created ON memberships (person_id, room_created, room_id);
  CREATE FUNCTION memberships_room_created() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.room_created := coalesce((SELECT r.created FROM rooms r WHERE r.id = NEW.room_id), '');
    RETURN NEW;
  END $$;
  CREATE TRIGGER memberships_room_created BEFORE INSERT OR UPDATE OF room_id, room_created ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_room_created();
  CREATE FUNCTION rooms_created_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE memberships SET room_created = NEW.created WHERE room_id = NEW.id;
    RETURN NULL;
  END $$;
  CREATE TRIGGER rooms_created_memberships AFTER UPDATE OF created ON rooms
    FOR EACH ROW WHEN (OLD.created IS DISTINCT FROM NEW.created) EXECUTE FUNCTION rooms_created_memberships();
  `,
  `
  -- A run's trigger body in a table of its own (issue 17, SQLite's migration 16): written once with the queued
  -- run, never rewritten; in the run's row every UPDATE of the run wrote a new version of it.
  CREATE TABLE flow_run_triggers (run_seq bigint PRIMARY KEY, body ${T} NOT NULL);
  INSERT INTO flow_run_triggers (run_seq, body) SELECT seq, trigger_body FROM flow_runs;
  ALTER TABLE flow_runs DROP COLUMN trigger_body;
  `,
]

/** Tables the cluster primitives add: PostgreSQL-only, so not in SQLite's schema. */
export const CLUSTER_TABLES = [
  'throttle_windows',
  'leases',
  'schema_migrations',
  'schedule_slots',
  'search_changes',
  'search_readers',
  'content_chunks',
]

/** Any key, as long as every instance uses the same: migrations of one database run one instance at a time. */
const MIGRATION_LOCK = 0x5745_4258 // "WEBX"

/** Brings the database's schema up to date; several instances starting together take turns (an advisory lock). */
export async function migratePostgres (pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied text NOT NULL)'
      )
      const { rows } = await client.query<{ v: number }>(
        'SELECT coalesce(max(version), 0)::integer AS v FROM schema_migrations'
      )
      const current = rows[0].v
      if (current > PG_MIGRATIONS.length) {
        throw new Error(
          `The database was written by a newer release (schema ${current}, this release knows ${PG_MIGRATIONS.length}).`
        )
      }
      for (let v = current; v < PG_MIGRATIONS.length; v++) {
        await client.query('BEGIN')
        try {
          await client.query(PG_MIGRATIONS[v])
          await client.query('INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)', [
            v + 1,
            new Date().toISOString(),
          ])
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK')
          throw err
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
    }
  } finally {
    client.release()
  }
}
