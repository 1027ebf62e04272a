-- PostgreSQL dialect of the SQLite store's 001_initial.sql (same tables, keys and checks): flags are
-- BOOLEAN, times BIGINT unix milliseconds, JSON stays TEXT. Private keys (signing_keys.private_jwk,
-- device_ca.key_pem) hold sealed text (verifier/store/postgres/sealed-keys.ts), never plaintext. Only
-- here: change_log, the registry's change feed with one sequence for every replica.

CREATE TABLE devices (
  id                      TEXT PRIMARY KEY,
  superuser               BOOLEAN NOT NULL DEFAULT FALSE,
  require_client_id_match BOOLEAN NOT NULL DEFAULT TRUE,
  enabled                 BOOLEAN NOT NULL DEFAULT TRUE,
  disabled_reason         TEXT,
  attributes              TEXT NOT NULL DEFAULT '{}',
  created_at              BIGINT NOT NULL,
  updated_at              BIGINT NOT NULL
);

CREATE TABLE groups (
  name            TEXT PRIMARY KEY,
  description     TEXT,
  ext_issuer      TEXT,
  ext_jwks_url    TEXT,
  ext_audience    TEXT,
  ext_algorithms  TEXT,
  created_at      BIGINT NOT NULL,
  CHECK ((ext_issuer IS NULL) = (ext_jwks_url IS NULL) AND (ext_issuer IS NULL) = (ext_algorithms IS NULL))
);
CREATE INDEX groups_by_issuer ON groups (ext_issuer) WHERE ext_issuer IS NOT NULL;

CREATE TABLE device_groups (
  device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  PRIMARY KEY (device_id, group_name)
);
CREATE INDEX device_groups_by_group ON device_groups (group_name, device_id);

CREATE TABLE credentials (
  id            TEXT PRIMARY KEY,
  device_id     TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  kind          TEXT NOT NULL CHECK (kind IN ('password', 'x509')),
  password_hash TEXT,
  fingerprint   TEXT UNIQUE,
  subject       TEXT,
  not_after     BIGINT,
  revoked_at    BIGINT,
  created_at    BIGINT NOT NULL,
  CHECK ((kind = 'password') = (password_hash IS NOT NULL)),
  CHECK ((kind = 'x509') = (fingerprint IS NOT NULL))
);
CREATE INDEX credentials_by_device ON credentials (device_id, kind);

CREATE TABLE tokens (
  jti        TEXT PRIMARY KEY,
  device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  expires_at BIGINT,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX tokens_by_device ON tokens (device_id);

CREATE TABLE acl_rules (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('device', 'group', 'all', 'anonymous')),
  device_id    TEXT REFERENCES devices (id) ON DELETE CASCADE,
  group_name   TEXT REFERENCES groups (name) ON DELETE CASCADE,
  action       TEXT NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
  topic        TEXT NOT NULL,
  eq           BOOLEAN NOT NULL DEFAULT FALSE,
  qos          TEXT,
  retain       BOOLEAN,
  permission   TEXT NOT NULL CHECK (permission IN ('allow', 'deny')),
  priority     INTEGER NOT NULL DEFAULT 0,
  created_at   BIGINT NOT NULL,
  CHECK ((subject_kind = 'device') = (device_id IS NOT NULL)),
  CHECK ((subject_kind = 'group') = (group_name IS NOT NULL))
);
CREATE INDEX acl_rules_by_device ON acl_rules (device_id) WHERE device_id IS NOT NULL;
CREATE INDEX acl_rules_by_group ON acl_rules (group_name) WHERE group_name IS NOT NULL;
CREATE INDEX acl_rules_by_kind ON acl_rules (subject_kind, priority, id);

CREATE TABLE signing_keys (
  kid         TEXT PRIMARY KEY,
  alg         TEXT NOT NULL CHECK (alg IN ('EdDSA', 'ES256')),
  status      TEXT NOT NULL CHECK (status IN ('active', 'verifying', 'retired')),
  private_jwk TEXT NOT NULL,
  public_jwk  TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  retired_at  BIGINT
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

CREATE TABLE device_ca (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  cert_pem   TEXT NOT NULL,
  key_pem    TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- One row per change a committed write made; `seq` orders them for every replica, so a revision of
-- `/v1/changes` means the same on each. device_id NULL: everything changed (kind 'all').
CREATE TABLE change_log (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id  TEXT,
  created_at BIGINT NOT NULL
);
-- The highest seq pruned from change_log: a replica that had not read that far re-checks everything.
CREATE TABLE change_log_horizon (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  pruned_through BIGINT NOT NULL
);
INSERT INTO change_log_horizon (id, pruned_through) VALUES (1, 0);
