-- Roles and grants for a Custos store shared by many hosts (docs/postgresql.md, "Roles and grants").
--
-- Run as the role that owns the tables (the one that ran `custos db upgrade` or `custos db migrate`), after
-- the schema exists, and again after every `custos db upgrade` (new tables get their grants):
--
--   psql "postgresql://custos_owner@db.example.com/custos" -v ON_ERROR_STOP=1 -f contrib/postgresql/roles.sql
--
-- It creates two group roles (NOLOGIN) and changes no login role. Then, per host and per person:
--
--   CREATE ROLE "fs-head-office" LOGIN;  GRANT custos_daemon   TO "fs-head-office";  -- named exactly as the host id
--   CREATE ROLE alice             LOGIN;  GRANT custos_reviewer TO alice;
--
-- custos_daemon   scans (files, findings, subjects, exposure, zone violations, the work queue, heartbeats) and
--                 executes the approved actions of its own host: it may change an action only where
--                 actions.host is its login role's name, and never approve one.
-- custos_reviewer reads everything, proposes, approves and cancels actions and disclosures, dismisses findings;
--                 it never moves an action into executing/executed/failed/stale.
-- Both append audit records. Nobody updates, deletes or truncates audit rows: the privilege is revoked and a
-- trigger refuses it even for the owner and superusers (who would have to drop the trigger first, itself a
-- visible act). A host's registered audit public key is likewise fixed once set.
-- Idempotent: run it as often as needed.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custos_daemon') THEN
        CREATE ROLE custos_daemon NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custos_reviewer') THEN
        CREATE ROLE custos_reviewer NOLOGIN;
    END IF;
END
$$;

-- Everyone who connects sees nothing unless granted here.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO custos_daemon, custos_reviewer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO custos_daemon, custos_reviewer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO custos_daemon, custos_reviewer;

-- What scanning writes.
GRANT INSERT, UPDATE, DELETE ON
    scan_runs, files, findings, subjects, subject_records, subject_findings, subject_identifiers, subject_links,
    file_exposure, zone_violations, alert_outbox, work_queue, daemon_status, host_workers
    TO custos_daemon;
-- Executing its host's actions (state moves below are limited by the policies), and their access changes.
GRANT INSERT, UPDATE ON actions, access_changes TO custos_daemon;
GRANT INSERT ON action_findings TO custos_daemon;

-- What reviewing writes.
GRANT UPDATE ON findings TO custos_reviewer;
GRANT INSERT, UPDATE ON actions, suppressions, disclosures, transfer_marks TO custos_reviewer;
GRANT INSERT ON action_findings, disclosure_files TO custos_reviewer;
GRANT DELETE ON transfer_marks TO custos_reviewer;

-- Every host registers itself and its audit key; both roles append audit records, and only append.
GRANT INSERT, UPDATE ON hosts TO custos_daemon, custos_reviewer;
GRANT INSERT ON audit_chain TO custos_daemon, custos_reviewer;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM PUBLIC, custos_daemon, custos_reviewer;

CREATE OR REPLACE FUNCTION custos_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on audit_chain refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS custos_audit_append_only ON audit_chain;
CREATE TRIGGER custos_audit_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION custos_audit_append_only();
DROP TRIGGER IF EXISTS custos_audit_no_truncate ON audit_chain;
CREATE TRIGGER custos_audit_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION custos_audit_append_only();

CREATE OR REPLACE FUNCTION custos_host_key_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.public_key IS NOT NULL AND (TG_OP = 'DELETE'
            OR NEW.public_key IS DISTINCT FROM OLD.public_key
            OR NEW.signing_key_id IS DISTINCT FROM OLD.signing_key_id) THEN
        RAISE EXCEPTION 'host %''s registered audit key cannot be changed or removed', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
DROP TRIGGER IF EXISTS custos_host_key_fixed ON hosts;
CREATE TRIGGER custos_host_key_fixed BEFORE UPDATE OR DELETE ON hosts
    FOR EACH ROW EXECUTE FUNCTION custos_host_key_fixed();

-- Actions: everyone reads them; a reviewer proposes, approves and cancels; a daemon moves only its own host's
-- actions (its login role is named as its host id) and may propose for its own host (zone auto-quarantine).
ALTER TABLE actions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS custos_actions_read ON actions;
CREATE POLICY custos_actions_read ON actions FOR SELECT USING (true);
DROP POLICY IF EXISTS custos_actions_propose ON actions;
CREATE POLICY custos_actions_propose ON actions FOR INSERT TO custos_reviewer
    WITH CHECK (state = 'proposed');
DROP POLICY IF EXISTS custos_actions_review ON actions;
CREATE POLICY custos_actions_review ON actions FOR UPDATE TO custos_reviewer
    USING (state IN ('proposed', 'approved'))
    WITH CHECK (state IN ('proposed', 'approved', 'cancelled'));
DROP POLICY IF EXISTS custos_actions_own_host_propose ON actions;
CREATE POLICY custos_actions_own_host_propose ON actions FOR INSERT TO custos_daemon
    WITH CHECK (host = session_user AND state = 'proposed');
DROP POLICY IF EXISTS custos_actions_own_host_execute ON actions;
CREATE POLICY custos_actions_own_host_execute ON actions FOR UPDATE TO custos_daemon
    USING (host = session_user AND state IN ('approved', 'executing'))
    WITH CHECK (host = session_user AND state IN ('executing', 'executed', 'failed', 'stale'));

-- Tables a later `custos db upgrade` creates can be read at once; run this file again to grant writes.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO custos_daemon, custos_reviewer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO custos_daemon, custos_reviewer;
