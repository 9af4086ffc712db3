// Taken names and repeated client ids are told by the database's unique constraints.

/** A unique violation (SQLSTATE 23505), optionally of one constraint; drizzle wraps the driver's error in `cause`. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const pg = e as Error & { code?: unknown; constraint_name?: unknown };
    if (pg.code === "23505") return constraint === undefined || pg.constraint_name === constraint;
  }
  return false;
}
