/**
 * Schema migrations whose SQL is the same on SQLite and PostgreSQL, written
 * once and listed by both stores in their migration order. Like every
 * migration, never edit one that shipped: add a new one.
 */

/** API tokens get a role. Tokens made before could do everything, so they stay admin. */
export const API_TOKEN_ROLE_SQL = `
  ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'viewer'));
`;

/** The last inventory refresh that found a change: its plain-language change lines (a JSON array) and time. */
export const INVENTORY_CHANGE_SQL = `
  ALTER TABLE nodes ADD COLUMN inventory_changes_json TEXT;
  ALTER TABLE nodes ADD COLUMN inventory_changed_at TEXT;
`;

/** Maintenance mode: when a host was put in maintenance, null when it is not. */
export const MAINTENANCE_SQL = `
  ALTER TABLE nodes ADD COLUMN maintenance_since TEXT;
`;
