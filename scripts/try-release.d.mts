/** Every install line of the docs naming an @hutong package, with the file it is in. */
export function docInstallLines(): { line: string; file: string }[];
/** The same install with the other package manager (`npm install …` ⇄ `pnpm add …`). */
export function otherManager(line: string): string | undefined;
