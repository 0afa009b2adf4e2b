/** A pending changeset: its file and the bump it declares for each package. */
export interface PendingChangeset {
  file: string;
  bumps: Record<string, string>;
}

/** One workspace package in a release plan. */
export interface PlannedPackage {
  name: string;
  folder: string;
  dir: string;
  public: boolean;
  from: string;
  to: string;
  dependencies: string[];
}

/** The pending changesets applied to a scratch copy of the workspace. */
export interface ReleasePlan {
  scratch: string;
  changesets: PendingChangeset[];
  packages: PlannedPackage[];
}

/** One packed tarball of the release. */
export interface PackedPackage {
  name: string;
  version: string;
  from: string;
  tarball: string;
}

export function pendingChangesets(base?: string): PendingChangeset[];
export function releasePlan(): ReleasePlan;
export function planProblems(plan: Pick<ReleasePlan, 'changesets' | 'packages'>): string[];
export function packRelease(folder: string): PackedPackage[];
