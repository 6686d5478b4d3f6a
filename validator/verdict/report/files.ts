/**
 * The report folder's files and what an entry knows about its setup(), in a module of their own: setup()
 * claims the folder (run-folder.ts) in every entry, while the report code itself loads only where
 * handleSummary runs (run-end.ts).
 */

/** The files of a run's report folder. */
export const reportFiles = ['summary.txt', 'summary.json', 'junit.xml', 'timeline.html'];

/** What an entry knows about its setup(), across VUs (run-folder.ts with bin/k6). */
export interface RunRecord {
  /** Why setup() stopped the run; '' when it did not, or when unknown. */
  notRun(): string;
  /** The run id setup() used; '' when unknown. */
  runId(): string;
  /** Whether `dir` may take this run's reports (created when needed). */
  reportFolder(dir: string, setupCompleted: boolean): boolean;
}
