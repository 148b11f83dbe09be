/**
 * Labelled image splits of Hugging Face datasets read from the local hub cache, never downloaded: locating a split's
 * parquet files in a cached snapshot ({@link amalgam.data.hub.SplitLocator}, the way {@code datasets} resolves the
 * data files of a parquet repo) and reading their rows in dataset order through DuckDB
 * ({@link amalgam.data.hub.ParquetImageSplit}: the {@code image} column, an HF {@code Image} struct of encoded bytes,
 * and the {@code label} column, with class names from the files' {@code huggingface} metadata).
 */
package amalgam.data.hub;
