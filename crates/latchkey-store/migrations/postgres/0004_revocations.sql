-- Revocations pushed to gateways (latchkey's revocation stream), kept while an access
-- token they cover may still be valid (`expires`, seconds), so the list survives a
-- restart. `kind` says what `subject` is: a session id, a user id, a token's jti, or
-- nothing for a realm-wide cut-off; `issued_before` (seconds) is the cut-off of user
-- and realm entries, 0 otherwise.
CREATE TABLE revocations (
    realm_id      TEXT COLLATE "C" NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    kind          TEXT COLLATE "C" NOT NULL CHECK (kind IN ('session', 'user', 'token', 'realm')),
    subject       TEXT COLLATE "C" NOT NULL,
    issued_before BIGINT NOT NULL,
    expires       BIGINT NOT NULL
);
CREATE INDEX revocations_realm_expires ON revocations (realm_id, expires);
