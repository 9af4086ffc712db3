// Taken names (a username, a room's name) are told by the database's unique constraints.
export const isUniqueViolation = (error: unknown) =>
  error instanceof Error && "code" in error && String(error.code).startsWith("SQLITE_CONSTRAINT_UNIQUE");
