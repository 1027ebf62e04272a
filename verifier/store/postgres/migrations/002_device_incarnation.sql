-- A re-created device id is a new registration: each row gets a random incarnation when inserted.
ALTER TABLE devices ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';
UPDATE devices SET incarnation = md5(random()::text || clock_timestamp()::text);
