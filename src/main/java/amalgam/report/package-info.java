/**
 * Results of runs: the typed {@link amalgam.report.RunRecord} of every {@code amalgam run} and {@code amalgam merge},
 * written by the run as one atomic file ({@link amalgam.report.PendingRecords}) and ingested into an embedded DuckDB
 * database ({@link amalgam.report.RunDatabase}) by the {@code amalgam runs} commands, which list, show, compare and
 * export them.
 */
package amalgam.report;
