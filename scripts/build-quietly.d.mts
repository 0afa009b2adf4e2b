/** What `scripts/build-quietly.mjs` says before building, as lines of at most `columns`. */
export function buildingMessage(stale: string[], total: number, columns: number): string[];
