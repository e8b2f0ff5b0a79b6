"""SQLite schema of the whole Custos database: every table and index, for every process (scan, daemon, TUI).

This module is their only definition; `scanner.store.migrations.bring_up_to_date` creates them and upgrades an
older database when a `Store` opens it. No column holds a plain personal-data value.
"""

from scanner.store.file_status import NOT_INSPECTED_SQL

SENSITIVITY_RANK = "CASE sensitivity WHEN 'sensitive' THEN 0 WHEN 'general' THEN 1 ELSE 2 END"  # the review's order

SCHEMA_VERSION = 8  # 3: files.member (archive members apart from real names), audit_chain, restore/purge actions
# 4: actions.retry_of (a retry is a new proposal linked to the failed or stale action it retries)
# 5: the daemon's work_queue and daemon_status are created here (not by their classes); files_by_path index
# 6: disclosures (handover packages, notification lists), the files each handover holds, files marked for transfer
# 6: findings.record (the row/object/form a finding sits in) and the data subjects linked from it (subjects_*)
# 7: file_exposure (who can read each file with sensitive findings), access_changes (tighten/restore_access)
# 7: zone_violations (files holding personal data a [[zones]] policy forbids where they lie)
# 7: alert_outbox (zone-violation alerts waiting for, or given up by, a channel)
# 8: many hosts, one store: files/scan_runs/actions/work_queue.host, hosts, host_workers; files unique per host
#    audit_chain.host/record: on PostgreSQL the chain itself (every host's signed records) lives in the database
#    a path queued once per host (work_queue_queued_per_host); on PostgreSQL claims by host (POSTGRES_INDEXES)
#    (a database created before keeps UNIQUE (root, rel_path, member): one host per SQLite file, equivalent)
# 8: file_summaries and review_counts: the review's totals kept by the writes (scanner/store/summaries.py)

# Rendered for PostgreSQL by scanner.store.engine.postgres_statement (types, identity keys, "end" quoted).
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
    findings      INTEGER NOT NULL DEFAULT 0,
    host          TEXT NOT NULL DEFAULT ''           -- the host that ran it (scanner.hosts.identity)
);
CREATE TABLE IF NOT EXISTS files (
    id          INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,
    rel_path    TEXT NOT NULL,      -- the walked file, relative to root; for an archive member, its archive
    member      TEXT NOT NULL DEFAULT '',  -- path inside the archive (nested levels joined by ':'); '' for a file
    size        INTEGER,
    mtime_ns    INTEGER,
    dev         INTEGER,
    ino         INTEGER,
    sha256      TEXT,
    encoding    TEXT,
    status      TEXT NOT NULL,      -- scanned | binary | undecodable | permission_denied | vanished | too_large
                                    -- | unsupported | io_error | symlink_skipped | symlink_loop | not_regular | gone
                                    -- | quarantined | deleted (by an action; not seen again is expected)
    error       TEXT,
    last_scan_id INTEGER REFERENCES scan_runs(id),
    scanned_at  TEXT,
    scan_count  INTEGER NOT NULL DEFAULT 0,
    names_scanned INTEGER NOT NULL DEFAULT 0,  -- 1 once the "name" findings describe the current path
    host        TEXT NOT NULL DEFAULT '',  -- the host that scanned it: root and rel_path are paths on that host
    UNIQUE (root, rel_path, member, host)  -- host last: lookups by root and path keep using it
);
CREATE TABLE IF NOT EXISTS findings (
    id           INTEGER PRIMARY KEY,
    file_id      INTEGER NOT NULL REFERENCES files(id),
    scan_id      INTEGER NOT NULL REFERENCES scan_runs(id),
    entity_type  TEXT NOT NULL,
    start        INTEGER NOT NULL,
    end          INTEGER NOT NULL,
    location     TEXT NOT NULL,                -- "line 4", "Sheet1!B7"…; "name": in the row's path (start/end
                                                -- index the exported path), "sheet title N", "attachment N name"
    score        REAL NOT NULL,
    rule_id      TEXT NOT NULL,
    pack         TEXT NOT NULL,
    sensitivity  TEXT NOT NULL,
    flags        TEXT NOT NULL DEFAULT '',     -- comma-separated: minor, unverified
    preview      TEXT NOT NULL,                -- masked, never the value
    fingerprint  TEXT NOT NULL,                -- HMAC-SHA256, keyed
    context_word TEXT,                         -- the rule's label that raised the score (not personal data)
    state        TEXT NOT NULL DEFAULT 'active', -- active | superseded | gone | dismissed (a false positive)
                                                -- | retained | masked | quarantined | deleted
    record       TEXT                          -- the record it sits in: "line 4", "Sheet1!7", "object at line
                                                -- 12" (scanner/record_keys.py); NULL: derived from location
);
CREATE TABLE IF NOT EXISTS actions (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,      -- mask | quarantine | delete | retain | false_positive
    state         TEXT NOT NULL,      -- proposed | approved | executing | executed | failed | stale | cancelled
    file_id       INTEGER NOT NULL REFERENCES files(id),
    file_size     INTEGER,            -- the scanned file the proposal was made on: checked before executing
    file_mtime_ns INTEGER,
    file_sha256   TEXT,
    reason        TEXT,               -- justification (retain), reason (false_positive), note otherwise
    retain_until  TEXT,               -- ISO date, retain only
    needs_second_person INTEGER NOT NULL DEFAULT 0,
    proposed_by   TEXT NOT NULL,      -- reviewer identity
    proposed_os_user TEXT NOT NULL,
    proposed_at   TEXT NOT NULL,
    approved_by   TEXT,
    approved_os_user TEXT,
    approved_at   TEXT,
    executed_by   TEXT,
    executed_at   TEXT,
    vault_id      TEXT,               -- the original's vault item (mask, quarantine, delete)
    planned_sha256 TEXT,              -- the masked copy about to replace the file: resolves a crash mid-replace
    sha256_after  TEXT,
    method        TEXT,               -- how it was done, as written into the audit record
    error         TEXT,
    restore_to    TEXT,               -- restore only: the folder to restore under (NULL: the original path)
    restore_overwrite INTEGER NOT NULL DEFAULT 0, -- restore only: the approval covers replacing a file
    retry_of      INTEGER,            -- the failed or stale action this proposal retries (custos retry)
    host          TEXT NOT NULL DEFAULT ''  -- the host owning the file: only its daemon executes the action
);
CREATE TABLE IF NOT EXISTS action_findings (
    action_id  INTEGER NOT NULL REFERENCES actions(id),
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    PRIMARY KEY (action_id, finding_id)
);
CREATE TABLE IF NOT EXISTS suppressions (      -- false positives: never resurface on later scans
    id          INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,
    rel_path    TEXT NOT NULL,
    member      TEXT NOT NULL DEFAULT '',
    rule_id     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    action_id   INTEGER REFERENCES actions(id),
    created_at  TEXT NOT NULL,
    UNIQUE (root, rel_path, member, rule_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS audit_chain (      -- every audit record's seal, so a cut or deleted log is detected
    seq         INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL,
    event       TEXT NOT NULL,
    action_id   INTEGER,
    recorded_at TEXT NOT NULL,
    host        TEXT,                 -- PostgreSQL: the host whose key signed it (SQLite: NULL, one host)
    record      TEXT                  -- PostgreSQL: the whole record (canonical JSON); SQLite: NULL, it is in the log
);
CREATE TABLE IF NOT EXISTS disclosures (       -- personal data handed to a recipient (DisclosureStore)
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,      -- handover | notify_list
    state         TEXT NOT NULL,      -- proposed | approved | building | built | verified | failed | cancelled
    recipient     TEXT NOT NULL,      -- the receiving company, as the proposer named it
    recipient_key TEXT,               -- path of the recipient's X25519 public key given at proposal
    recipient_key_sha256 TEXT,        -- SHA-256 of its raw bytes: the build must encrypt to this very key
    legal_basis   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    selection     TEXT NOT NULL,      -- JSON: {"folder": path} | {"subjects": [ids]} | {"marked": true} | …
    needs_second_person INTEGER NOT NULL DEFAULT 1,
    proposed_by   TEXT NOT NULL,
    proposed_os_user TEXT NOT NULL,
    proposed_at   TEXT NOT NULL,
    approved_by   TEXT,
    approved_os_user TEXT,
    approved_at   TEXT,
    executed_by   TEXT,               -- who built the package, and when
    executed_at   TEXT,
    out_path      TEXT,               -- where the package was written
    manifest_sha256 TEXT,             -- SHA-256 of the signed manifest: what the recipient's verification must show
    file_count    INTEGER,
    total_bytes   INTEGER,
    verified_by   TEXT,               -- the recipient's person who verified the package
    verified_recorded_by TEXT,        -- who recorded the receipt here
    verified_at   TEXT,
    receipt       TEXT,               -- the recipient's verification receipt (JSON: hashes and counts only)
    error         TEXT                -- why the build failed or the disclosure was cancelled
);
CREATE TABLE IF NOT EXISTS disclosure_files (  -- the files a handover holds, as they were when it was proposed
    disclosure_id INTEGER NOT NULL REFERENCES disclosures(id),
    file_id       INTEGER NOT NULL REFERENCES files(id),
    name          TEXT NOT NULL,      -- the member name in the package (relative POSIX path)
    size          INTEGER,
    mtime_ns      INTEGER,
    sha256        TEXT,
    PRIMARY KEY (disclosure_id, file_id)
);
CREATE TABLE IF NOT EXISTS transfer_marks (    -- files marked to go to the buyer (custos handover mark)
    file_id    INTEGER PRIMARY KEY REFERENCES files(id),
    marked_by  TEXT NOT NULL,
    marked_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_by_state ON actions(state, kind);
CREATE INDEX IF NOT EXISTS actions_by_file ON actions(file_id, state);
CREATE INDEX IF NOT EXISTS findings_by_file ON findings(file_id, state);
CREATE INDEX IF NOT EXISTS findings_by_type ON findings(state, entity_type, sensitivity);
CREATE INDEX IF NOT EXISTS findings_by_fingerprint ON findings(fingerprint);
CREATE INDEX IF NOT EXISTS action_findings_by_finding ON action_findings(finding_id);  -- a finding's action (review)
CREATE INDEX IF NOT EXISTS files_by_status ON files(root, status);
CREATE INDEX IF NOT EXISTS files_by_path ON files(root || '/' || rel_path);  -- Store.file_at, written as there
CREATE TABLE IF NOT EXISTS subjects (             -- people the findings describe (SubjectStore, subjects/link.py)
    id           INTEGER PRIMARY KEY,
    name_preview TEXT,                           -- masked, never the name
    categories   TEXT NOT NULL,                  -- comma-separated: identity, contact, financial, biometric, health
    minor        INTEGER NOT NULL DEFAULT 0,     -- a finding of theirs is flagged minor
    sensitivity  TEXT NOT NULL,                  -- the highest of their findings': sensitive | general
    records      INTEGER NOT NULL,
    files        INTEGER NOT NULL,
    findings     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subject_records (      -- the records (rows, objects, forms...) each subject was seen in
    id         INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    file_id    INTEGER NOT NULL REFERENCES files(id),
    record     TEXT NOT NULL,
    findings   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subject_findings (     -- which subject each current finding belongs to
    finding_id INTEGER PRIMARY KEY REFERENCES findings(id),
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    record_id  INTEGER NOT NULL REFERENCES subject_records(id)
);
CREATE TABLE IF NOT EXISTS subject_identifiers (  -- a subject's strong identifiers: keyed fingerprint, masked preview
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    entity_type TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    preview     TEXT NOT NULL,
    records     INTEGER NOT NULL,
    PRIMARY KEY (subject_id, entity_type, fingerprint)
);
CREATE TABLE IF NOT EXISTS subject_links (        -- the evidence: why two records are one person, or why not
    id          INTEGER PRIMARY KEY,
    outcome     TEXT NOT NULL,                   -- linked | too_common | conflict
    subject_id  INTEGER REFERENCES subjects(id), -- linked: the subject the two records are part of
    entity_type TEXT NOT NULL,                   -- the identifier's type
    fingerprint TEXT NOT NULL,                   -- the identifier's keyed fingerprint
    record_a    INTEGER REFERENCES subject_records(id),
    record_b    INTEGER REFERENCES subject_records(id),
    records     INTEGER NOT NULL DEFAULT 2,      -- too_common: the records holding it
    names       INTEGER NOT NULL DEFAULT 0       -- too_common: the distinct names on those records
);
CREATE INDEX IF NOT EXISTS subject_findings_by_subject ON subject_findings(subject_id);
CREATE INDEX IF NOT EXISTS subject_records_by_subject ON subject_records(subject_id, file_id);
CREATE INDEX IF NOT EXISTS subject_links_by_subject ON subject_links(subject_id);
CREATE TABLE IF NOT EXISTS file_exposure (        -- who can read each file with sensitive findings (ExposureStore)
    file_id     INTEGER PRIMARY KEY REFERENCES files(id),  -- the walked file (an archive's members share its row)
    uid         INTEGER NOT NULL,
    gid         INTEGER NOT NULL,
    mode        INTEGER NOT NULL,                -- permission and special bits (st_mode & 0o7777)
    acl         TEXT,                            -- "u::rw-,u:1001:r--,g::r--,m::r--,o::---" (numeric ids); ''
                                                 -- when the ACL only mirrors the mode; NULL: no ACL support
    level       TEXT NOT NULL,                   -- owner | group | broad_group | all
    readers     TEXT NOT NULL DEFAULT '[]',      -- JSON: who besides the owner may read ("other", "group users")
    probed_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS file_exposure_by_level ON file_exposure(level);
CREATE TABLE IF NOT EXISTS access_changes (       -- the mode and ACL an access action sets (ExposureStore)
    action_id   INTEGER PRIMARY KEY REFERENCES actions(id),  -- a tighten_access or restore_access action
    file_id     INTEGER NOT NULL REFERENCES files(id),
    undoes      INTEGER REFERENCES actions(id),  -- restore_access: the tighten_access it reverts
    mode_before INTEGER NOT NULL,                -- as proposed on: the file must still have it when executed,
    acl_before  TEXT,                            -- and an undo puts it back
    level_before TEXT NOT NULL,
    mode_after  INTEGER NOT NULL,                -- what the action sets
    acl_after   TEXT,
    level_after TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS zone_violations (     -- a file breaking a zone's rule (ViolationStore, scanner/zones/)
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files(id),  -- the walked file (an archive's members count towards it)
    zone        TEXT NOT NULL,                   -- the zone's name in custos.toml
    rule        TEXT NOT NULL,                   -- "forbid_entities:CN_RESIDENT_ID", "max_people:50", ...
    severity    TEXT NOT NULL,                   -- low | medium | high | critical
    state       TEXT NOT NULL DEFAULT 'open',    -- open | resolved
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,                   -- the last scan that still found it
    resolved_at TEXT,
    previews    TEXT NOT NULL DEFAULT '[]',      -- JSON list of masked previews, never a value
    findings    INTEGER NOT NULL DEFAULT 0,      -- how many findings break the rule
    action_id   INTEGER REFERENCES actions(id)   -- auto_quarantine: the quarantine it proposed
);
CREATE UNIQUE INDEX IF NOT EXISTS zone_violations_open ON zone_violations(file_id, zone, rule) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS zone_violations_by_state ON zone_violations(state, zone, severity);
CREATE TABLE IF NOT EXISTS work_queue (           -- the daemon's paths waiting to be scanned (WorkQueue)
    id          INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,
    rel_path    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'queued',  -- queued | running | failed
    enqueued_at REAL NOT NULL,
    not_before  REAL NOT NULL,                   -- settle deadline or retry time
    owner       TEXT,
    lease_until REAL,
    attempts    INTEGER NOT NULL DEFAULT 0,      -- claims that ended neither in complete nor postpone/release
    error       TEXT,
    host        TEXT NOT NULL DEFAULT ''         -- the host whose path it is: only its workers claim it
);
CREATE UNIQUE INDEX IF NOT EXISTS work_queue_queued_per_host ON work_queue(root, rel_path, host) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS work_queue_claim ON work_queue(state, not_before);
CREATE INDEX IF NOT EXISTS work_queue_running_path ON work_queue(root, rel_path) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS work_queue_failed_path ON work_queue(root, rel_path) WHERE state = 'failed';
CREATE TABLE IF NOT EXISTS daemon_status (        -- what the running daemon reports (DaemonStatusStore)
    id            TEXT PRIMARY KEY,             -- daemon instance ('main' while there is one per database)
    pid           INTEGER,
    host          TEXT,
    started_at    REAL,
    heartbeat_at  REAL,
    state         TEXT,                          -- starting | running | draining | stopped | crashed
    roots         TEXT NOT NULL DEFAULT '[]',    -- JSON list of watched roots
    workers       INTEGER,
    last_event_at REAL,
    queue_depth   INTEGER,
    files_scanned INTEGER NOT NULL DEFAULT 0,
    files_per_s   REAL,
    errors        INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    version       TEXT,
    watch         TEXT NOT NULL DEFAULT '{}'     -- JSON {root: how it is watched}, e.g. polling and why
);
CREATE TABLE IF NOT EXISTS alert_outbox (         -- zone-violation alerts per channel (AlertOutbox, scanner/alerts)
    id           INTEGER PRIMARY KEY,
    violation_id INTEGER NOT NULL,                -- zone_violations.id
    channel      TEXT NOT NULL,                   -- syslog | email | webhook
    state        TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
    payload      TEXT NOT NULL,                   -- JSON of the alert: masked path and previews only
    created_at   REAL NOT NULL,
    next_at      REAL NOT NULL,                   -- when to try (next); a claimed row's lease end
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,                            -- the last attempt's error, masked
    sent_at      REAL,
    UNIQUE (violation_id, channel)                -- one alert per violation and channel, whoever submits it
);
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox(state, next_at);
CREATE TABLE IF NOT EXISTS file_summaries (   -- each file's findings counted, kept by the writes (summaries.py)
    file_id    INTEGER PRIMARY KEY REFERENCES files(id),  -- a file that has or had findings
    active     INTEGER NOT NULL DEFAULT 0,       -- active findings
    sensitive  INTEGER NOT NULL DEFAULT 0,       -- active findings of sensitive types
    types      TEXT NOT NULL DEFAULT '',         -- the active findings' types, sorted, comma-separated
    current_counts TEXT NOT NULL DEFAULT '[]',   -- JSON [[state, type, sensitivity, n], ...]: active/dismissed/retained
    closed_counts  TEXT NOT NULL DEFAULT '{}',   -- JSON {state: n} of its other findings, superseded ones apart
    superseded INTEGER NOT NULL DEFAULT 0,       -- findings a later scan replaced (the scans add to it)
    folder     TEXT NOT NULL                     -- the top folder these were counted under
);
CREATE TABLE IF NOT EXISTS review_counts (     -- the sum of every file's summary, per metric (summaries.py)
    metric     TEXT NOT NULL,                    -- a SummaryMetric
    key        TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    n          INTEGER NOT NULL DEFAULT 0,
    sample     INTEGER,                          -- folder: a file counted in it (its name findings mask the folder)
    PRIMARY KEY (metric, key, detail)
);
CREATE TABLE IF NOT EXISTS hosts (                -- the machines writing to this store (scanner.hosts.identity)
    id             TEXT PRIMARY KEY,              -- [host] id, CUSTOS_HOST_ID, or the hostname
    hostname       TEXT,
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    signing_key_id TEXT,                          -- the host's audit signing key
    public_key     TEXT                           -- its public half (PEM): audit verify checks records with it
);
CREATE TABLE IF NOT EXISTS host_workers (         -- heartbeats per host and worker (daemon, its scan workers)
    host          TEXT NOT NULL,
    worker        TEXT NOT NULL,
    pid           INTEGER,
    state         TEXT,                          -- starting | running | scanning | stopped (ScanWorkerState)
    heartbeat_at  REAL,
    files_done    INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    queue_depth   INTEGER,                       -- the host's jobs queued or running, as the worker last saw
    started_at    REAL,                          -- when the worker (process) started: files/s over its life
    PRIMARY KEY (host, worker)
);
"""

# Indexes only PostgreSQL gets: each host's queue claims (work_queue_host_claim), and the review pages' sort orders
# at company scale (millions of findings), each the sort key of scanner/store/review.py's SORT_KEYS after the state
# filter, so a page (and the next one, by its last row's key) is an index walk of 500 rows. SQLite's scan writes
# every finding through each index of `findings`, and an embedded store is one host's: it keeps its own few.
POSTGRES_INDEXES = f"""
CREATE INDEX IF NOT EXISTS work_queue_host_claim ON work_queue(host, state, not_before, id);
DROP INDEX IF EXISTS findings_page_by_score;
DROP INDEX IF EXISTS findings_page_by_type;
DROP INDEX IF EXISTS file_summaries_by_findings;
CREATE INDEX IF NOT EXISTS file_summaries_by_active ON file_summaries(active DESC, file_id) WHERE active > 0;
CREATE INDEX IF NOT EXISTS file_summaries_by_sensitive ON file_summaries(sensitive DESC, active DESC, file_id)
    WHERE active > 0;
CREATE INDEX IF NOT EXISTS findings_seek_by_score ON findings(state, (-score), file_id, start, id);
CREATE INDEX IF NOT EXISTS findings_seek_by_type ON findings(state, entity_type, file_id, start, id);
CREATE INDEX IF NOT EXISTS findings_seek_by_sensitivity ON findings(state, ({SENSITIVITY_RANK}), file_id, start, id);
CREATE INDEX IF NOT EXISTS findings_seek_sens_by_type ON findings(state, sensitivity, entity_type, file_id, start, id);
CREATE INDEX IF NOT EXISTS findings_in_names ON findings(file_id) WHERE location = 'name';
DROP INDEX IF EXISTS files_not_inspected;
CREATE INDEX IF NOT EXISTS files_not_inspected_by_path ON files(rel_path, member, status) WHERE {NOT_INSPECTED_SQL};
"""  # the very condition the queries write: PostgreSQL matches it textually. Names in paths: masking every page's
# paths reads a file's name findings, not all its findings; status in the not-inspected index: counted from it alone

# Columns added to existing tables, by the schema version that added them (new tables are in DDL above).
# daemon_status.watch came before schema 5 made the table part of the schema: a table from then may lack it.
ADDED_COLUMNS = {
    3: (("actions", "restore_to TEXT"), ("actions", "restore_overwrite INTEGER NOT NULL DEFAULT 0")),
    4: (("actions", "retry_of INTEGER"),),
    5: (("daemon_status", "watch TEXT NOT NULL DEFAULT '{}'"),),
    6: (("findings", "record TEXT"),),
    8: tuple((table, "host TEXT NOT NULL DEFAULT ''") for table in ("scan_runs", "files", "actions", "work_queue"))
    + (("audit_chain", "host TEXT"), ("audit_chain", "record TEXT")),  # one company chain on PostgreSQL
}
# Indexes a later schema replaced, by the schema version that replaced them (dropped when upgrading past it).
# 8: a path is queued once per host, not once per store (two hosts may both have /srv/share/a.txt)
DROPPED_INDEXES = {8: ("work_queue_queued_path",)}
