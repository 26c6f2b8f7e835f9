-- Offline sessions (`scope=offline_access`): Keycloak keeps them apart
-- (OFFLINE_USER_SESSION with OFFLINE_FLAG = '1'); here a flag on the one session row.
-- They outlive the SSO timeouts (offline idle, 30 days by default).
ALTER TABLE sessions ADD COLUMN offline BOOLEAN NOT NULL DEFAULT FALSE;
