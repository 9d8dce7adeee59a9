"""Running a guild's server: backups, restoring one, and moving the database to PostgreSQL."""
