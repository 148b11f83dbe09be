package amalgam.report;

/** A run as the database holds it: its short id ({@code 12-3fa9c2}: sequence number and hash) and its record. */
public record StoredRun(String id, RunRecord record) {
}
