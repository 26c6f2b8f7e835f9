-- The client's IP address at login (Keycloak: USER_SESSION's IP_ADDRESS), shown by the
-- Admin API's session listings. Sessions made before this migration show an empty one.
ALTER TABLE sessions ADD COLUMN ip_address TEXT COLLATE "C" NOT NULL DEFAULT '';
