"""SQLite schema of the findings store. No column holds a plain personal-data value."""

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scan_runs (
    id            INTEGER PRIMARY KEY,
    root          TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL DEFAULT 'running',   -- running | completed | interrupted | failed
    packs         TEXT NOT NULL,                     -- "pack@version, ..."
    tool_version  TEXT NOT NULL,
    files_seen    INTEGER NOT NULL DEFAULT 0,
    files_scanned INTEGER NOT NULL DEFAULT 0,
    files_unchanged INTEGER NOT NULL DEFAULT 0,
    files_failed  INTEGER NOT NULL DEFAULT 0,
    bytes_scanned INTEGER NOT NULL DEFAULT 0,
    findings      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS files (
    id          INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,
    rel_path    TEXT NOT NULL,
    size        INTEGER,
    mtime_ns    INTEGER,
    dev         INTEGER,
    ino         INTEGER,
    sha256      TEXT,
    encoding    TEXT,
    status      TEXT NOT NULL,      -- scanned | binary | undecodable | permission_denied | vanished | too_large
                                    -- | unsupported | io_error | symlink_skipped | symlink_loop | not_regular | gone
    error       TEXT,
    last_scan_id INTEGER REFERENCES scan_runs(id),
    scanned_at  TEXT,
    scan_count  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (root, rel_path)
);
CREATE TABLE IF NOT EXISTS findings (
    id           INTEGER PRIMARY KEY,
    file_id      INTEGER NOT NULL REFERENCES files(id),
    scan_id      INTEGER NOT NULL REFERENCES scan_runs(id),
    entity_type  TEXT NOT NULL,
    start        INTEGER NOT NULL,
    end          INTEGER NOT NULL,
    location     TEXT NOT NULL,
    score        REAL NOT NULL,
    rule_id      TEXT NOT NULL,
    pack         TEXT NOT NULL,
    sensitivity  TEXT NOT NULL,
    flags        TEXT NOT NULL DEFAULT '',     -- comma-separated: minor, unverified
    preview      TEXT NOT NULL,                -- masked, never the value
    fingerprint  TEXT NOT NULL,                -- HMAC-SHA256, keyed
    context_word TEXT,                         -- the rule's label that raised the score (not personal data)
    state        TEXT NOT NULL DEFAULT 'active' -- active | superseded | gone
);
CREATE INDEX IF NOT EXISTS findings_by_file ON findings(file_id, state);
CREATE INDEX IF NOT EXISTS findings_by_type ON findings(state, entity_type, sensitivity);
CREATE INDEX IF NOT EXISTS findings_by_fingerprint ON findings(fingerprint);
CREATE INDEX IF NOT EXISTS files_by_status ON files(root, status);
"""
