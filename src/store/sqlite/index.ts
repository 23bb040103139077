/** The embedded Store: one SQLite file in the data dir (WAL, serialized writers). */
export { openSqliteStore, type SqliteStoreOptions } from "./open.js";
