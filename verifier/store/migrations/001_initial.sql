-- The device registry: devices, group membership, credentials, issued tokens, ACL rules, the verifier's
-- signing keys and its device CA. Times are unix milliseconds. Deleting a device cascades to everything
-- that belongs to it; deleting a group cascades to its memberships and rules.

CREATE TABLE devices (
  id                      TEXT PRIMARY KEY,
  superuser               INTEGER NOT NULL DEFAULT 0 CHECK (superuser IN (0, 1)),
  require_client_id_match INTEGER NOT NULL DEFAULT 1 CHECK (require_client_id_match IN (0, 1)),
  enabled                 INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  disabled_reason         TEXT,
  attributes              TEXT NOT NULL DEFAULT '{}',
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL
) STRICT;

CREATE TABLE groups (
  name            TEXT PRIMARY KEY,
  description     TEXT,
  -- An external issuer whose tokens members may present (EMQX-style JWKS authentication).
  ext_issuer      TEXT,
  ext_jwks_url    TEXT,
  ext_audience    TEXT,
  ext_algorithms  TEXT, -- JSON array
  created_at      INTEGER NOT NULL,
  CHECK ((ext_issuer IS NULL) = (ext_jwks_url IS NULL) AND (ext_issuer IS NULL) = (ext_algorithms IS NULL))
) STRICT;
CREATE INDEX groups_by_issuer ON groups (ext_issuer) WHERE ext_issuer IS NOT NULL;

CREATE TABLE device_groups (
  device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  PRIMARY KEY (device_id, group_name)
) STRICT, WITHOUT ROWID;
CREATE INDEX device_groups_by_group ON device_groups (group_name, device_id);

CREATE TABLE credentials (
  id            TEXT PRIMARY KEY,
  device_id     TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  kind          TEXT NOT NULL CHECK (kind IN ('password', 'x509')),
  password_hash TEXT,
  -- Unique across devices and across revocation: one certificate identifies one device, for good.
  fingerprint   TEXT UNIQUE,
  subject       TEXT,
  not_after     INTEGER,
  revoked_at    INTEGER,
  created_at    INTEGER NOT NULL,
  CHECK ((kind = 'password') = (password_hash IS NOT NULL)),
  CHECK ((kind = 'x509') = (fingerprint IS NOT NULL))
) STRICT;
CREATE INDEX credentials_by_device ON credentials (device_id, kind);

CREATE TABLE tokens (
  jti        TEXT PRIMARY KEY,
  device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  expires_at INTEGER,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_by_device ON tokens (device_id);

CREATE TABLE acl_rules (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('device', 'group', 'all', 'anonymous')),
  device_id    TEXT REFERENCES devices (id) ON DELETE CASCADE,
  group_name   TEXT REFERENCES groups (name) ON DELETE CASCADE,
  action       TEXT NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
  topic        TEXT NOT NULL,
  eq           INTEGER NOT NULL DEFAULT 0 CHECK (eq IN (0, 1)),
  qos          TEXT, -- JSON array of 0..2, NULL = any
  retain       INTEGER CHECK (retain IN (0, 1)),
  permission   TEXT NOT NULL CHECK (permission IN ('allow', 'deny')),
  priority     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  CHECK ((subject_kind = 'device') = (device_id IS NOT NULL)),
  CHECK ((subject_kind = 'group') = (group_name IS NOT NULL))
) STRICT;
CREATE INDEX acl_rules_by_device ON acl_rules (device_id) WHERE device_id IS NOT NULL;
CREATE INDEX acl_rules_by_group ON acl_rules (group_name) WHERE group_name IS NOT NULL;
CREATE INDEX acl_rules_by_kind ON acl_rules (subject_kind, priority, id);

CREATE TABLE signing_keys (
  kid         TEXT PRIMARY KEY,
  alg         TEXT NOT NULL CHECK (alg IN ('EdDSA', 'ES256')),
  status      TEXT NOT NULL CHECK (status IN ('active', 'verifying', 'retired')),
  private_jwk TEXT NOT NULL,
  public_jwk  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  retired_at  INTEGER
) STRICT;
-- Exactly one key signs at a time.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

CREATE TABLE device_ca (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  cert_pem   TEXT NOT NULL,
  key_pem    TEXT NOT NULL, -- PKCS#8; the database file is 0600
  created_at INTEGER NOT NULL
) STRICT;
