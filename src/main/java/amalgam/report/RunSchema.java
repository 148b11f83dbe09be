package amalgam.report;

import java.util.List;

/**
 * The run database's tables (DuckDB SQL). {@code runs} has a row per run: the columns one filters and sorts by, and
 * {@code record_json}, the whole {@link RunRecord}, which the {@code runs} commands read. The side tables give the
 * parameters, input models and per-task metrics one row each, for queries. Times are UTC.
 */
final class RunSchema {
    static final List<String> TABLES = List.of("""
            CREATE TABLE runs (
                seq INTEGER PRIMARY KEY,          -- 1, 2, ... in ingestion order (runs sorted by start)
                id VARCHAR NOT NULL UNIQUE,       -- seq-hash, e.g. 12-3fa9c2
                uuid VARCHAR NOT NULL UNIQUE,
                command VARCHAR NOT NULL,         -- run | merge
                dialect VARCHAR NOT NULL,         -- fusionbench | mergekit
                method VARCHAR,
                status VARCHAR NOT NULL,          -- ok | failed | interrupted
                error VARCHAR,
                started_at TIMESTAMP NOT NULL,
                finished_at TIMESTAMP,
                duration_ms BIGINT,
                seed BIGINT NOT NULL,
                model_pool VARCHAR,
                task_pool VARCHAR,
                average_accuracy DOUBLE,          -- the fused model's mean over the tasks
                average_loss DOUBLE,
                trainable_params BIGINT,
                all_params BIGINT,
                output_path VARCHAR,
                report_path VARCHAR,
                sweep VARCHAR,                    -- shared by the jobs of one run -m
                sweep_job INTEGER NOT NULL,
                command_line VARCHAR NOT NULL,
                working_directory VARCHAR,
                amalgam_version VARCHAR,
                jvm VARCHAR,
                os VARCHAR,
                host VARCHAR,
                cores INTEGER,
                memory_bytes BIGINT,
                config_text VARCHAR,              -- the composed configuration (YAML)
                record_json VARCHAR NOT NULL
            )""", """
            CREATE TABLE run_parameters (
                run_seq INTEGER NOT NULL,
                name VARCHAR NOT NULL,            -- dotted, e.g. dataloader_kwargs.batch_size
                value_json VARCHAR                -- the resolved value as JSON
            )""", """
            CREATE TABLE run_models (
                run_seq INTEGER NOT NULL,
                position INTEGER NOT NULL,
                name VARCHAR NOT NULL,
                path VARCHAR,
                sha256 VARCHAR,                   -- combined digest of the model's files
                bytes BIGINT
            )""", """
            CREATE TABLE run_metrics (
                run_seq INTEGER NOT NULL,
                model VARCHAR NOT NULL,           -- fused | pretrained | individual
                task VARCHAR NOT NULL,
                accuracy DOUBLE,
                loss DOUBLE
            )""");

    static final String INSERT_RUN = "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP),"
            + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private RunSchema() {
    }
}
