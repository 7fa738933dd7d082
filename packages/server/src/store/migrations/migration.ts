/**
 * One schema change. Each numbered file exports one; list.ts only imports them, in order, so no
 * migration file imports the list that imports it.
 */
export interface Migration {
  /** Applied in ascending order; recorded in cairn_migrations once applied. */
  id: number;
  name: string;
  /** One SQL statement each (PGlite's parameterized query path runs one statement at a time). */
  statements: readonly string[];
}
