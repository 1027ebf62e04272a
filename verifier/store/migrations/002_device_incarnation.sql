-- A device id can be removed and registered again. What a broker keeps for a device (an MQTT session,
-- its subscriptions and queued messages) belongs to that one registration, not to the id: each row gets
-- a random incarnation when it is inserted, and a re-created device gets a new one.
ALTER TABLE devices ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';
UPDATE devices SET incarnation = lower(hex(randomblob(16)));
