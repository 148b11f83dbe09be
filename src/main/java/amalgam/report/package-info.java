/**
 * Results of runs. Figures as self-contained SVG (no scripts, no external references): the charts of amalgam's
 * analysis methods and reports, each drawn with one mark per datum so a reader (or a test) can count what was drawn.
 * Run records: the typed {@link amalgam.report.RunRecord} of every {@code amalgam run} and {@code amalgam merge},
 * written by the run as one atomic file ({@link amalgam.report.PendingRecords}) and ingested into an embedded DuckDB
 * database ({@link amalgam.report.RunDatabase}) by the {@code amalgam runs} commands, which list, show, compare and
 * export them.
 */
package amalgam.report;
