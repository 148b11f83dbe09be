package amalgam.data.hub;

import amalgam.UserInputException;
import amalgam.data.LabelledImages;
import amalgam.data.image.ImageDecoder;
import amalgam.data.image.RgbImage;
import amalgam.io.HubCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A labelled image split stored as Hugging Face parquet files: rows in file order (files sorted by name, rows in
 * file order), the {@code label} column (an integer {@code ClassLabel}, or a boolean read as 0/1 as FusionBench
 * does) and the {@code image} column (an HF {@code Image}: a struct of encoded {@code bytes} and a {@code path}).
 * Labels are read when the split is opened; encoded images are read on demand, a window of rows of one file at a
 * time (DuckDB skips the row groups outside it), and decoded one by one, so memory holds one window's compressed
 * bytes, never a split's pixels.
 */
public final class ParquetImageSplit implements HubImageSplit {
    /** The columns datasets' image-classification sets use, and FusionBench reads. */
    public static final String IMAGE_COLUMN = "image";
    public static final String LABEL_COLUMN = "label";
    /** Rows read at once: about 25 MB of JPEG at SUN397's image sizes. */
    static final int WINDOW_ROWS = 256;

    private final HubDatasetSplit split;
    private final List<Path> files;
    private final long[] fileStarts; // [files + 1]: the dataset row each file starts at, then the total
    private final int[] labels;
    private final Optional<List<String>> classNames;
    private final int windowRows;

    private int windowFile = -1; // the loaded window: file index, first row in that file, encoded images
    private long windowStart;
    private byte[][] window = new byte[0][];

    private ParquetImageSplit(HubDatasetSplit split, List<Path> files, long[] fileStarts, int[] labels,
                              Optional<List<String>> classNames, int windowRows) {
        this.split = split;
        this.files = List.copyOf(files);
        this.fileStarts = fileStarts;
        this.labels = labels;
        this.classNames = classNames;
        this.windowRows = windowRows;
    }

    /** The split as the hub cache {@code hubCache} holds it (its snapshot at the split's revision). */
    public static ParquetImageSplit open(Path hubCache, HubDatasetSplit split) {
        Path snapshot = HubCache.snapshot(hubCache, HubCache.RepoType.DATASET, split.repoId(), split.revision());
        return open(split, SplitLocator.find(snapshot, split));
    }

    /** The split stored in {@code files}, in that order. */
    public static ParquetImageSplit open(HubDatasetSplit split, List<Path> files) {
        return open(split, files, WINDOW_ROWS);
    }

    static ParquetImageSplit open(HubDatasetSplit split, List<Path> files, int windowRows) {
        if (files.isEmpty()) {
            throw new UserInputException(split.describe() + " has no data files");
        }
        long[] starts = new long[files.size() + 1];
        int[][] perFile = new int[files.size()][];
        Optional<List<String>> names = Optional.empty();
        try (Connection connection = ParquetTables.connect()) {
            for (int f = 0; f < files.size(); f++) {
                Path file = files.get(f);
                checkColumns(connection, file);
                Optional<List<String>> fileNames = features(connection, file).labelNames();
                if (f > 0 && !fileNames.equals(names)) {
                    throw new UserInputException(split.describe() + ": '" + file + "' names other classes than '"
                            + files.getFirst() + "'");
                }
                names = fileNames;
                perFile[f] = labels(connection, file, names);
                starts[f + 1] = starts[f] + perFile[f].length;
                if (starts[f + 1] > Integer.MAX_VALUE - 8) {
                    throw new UserInputException(split.describe() + " has more than " + (Integer.MAX_VALUE - 8) + " rows");
                }
            }
        } catch (SQLException e) {
            throw new UserInputException(split.describe() + ": cannot close DuckDB: " + e.getMessage(), e);
        }
        int[] all = new int[(int) starts[files.size()]];
        for (int f = 0; f < files.size(); f++) {
            System.arraycopy(perFile[f], 0, all, (int) starts[f], perFile[f].length);
        }
        if (all.length == 0) {
            throw new UserInputException(split.describe() + " has no rows");
        }
        return new ParquetImageSplit(split, files, starts, all, names, windowRows);
    }

    @Override
    public HubDatasetSplit split() {
        return split;
    }

    public List<Path> files() {
        return files;
    }

    /** The label column's class names from the files' metadata, when it is a {@code ClassLabel}. */
    @Override
    public Optional<List<String>> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    /** Decodes image {@code index}; a row that does not decode is bad input naming its file and row. */
    @Override
    public RgbImage image(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("image " + index + " of a split of " + labels.length);
        }
        int file = fileOf(index);
        long row = index - fileStarts[file];
        byte[] encoded = encoded(file, row);
        return ImageDecoder.decode(encoded, "in row " + row + " of '" + files.get(file) + "' (row " + index + " of "
                + split.describe() + ")");
    }

    @Override
    public String identity() {
        return HubImageSplit.identityOf(split, files);
    }

    private int fileOf(int index) {
        int found = Arrays.binarySearch(fileStarts, index);
        // an exact hit is the first row of a file; skip empty files, which start where the next one does
        int file = found >= 0 ? found : -found - 2;
        while (fileStarts[file + 1] <= index) {
            file++;
        }
        return file;
    }

    /** The encoded bytes of a row, reading its window when another one is loaded (one caller at a time). */
    private synchronized byte[] encoded(int file, long row) {
        if (file != windowFile || row < windowStart || row >= windowStart + window.length) {
            long start = row - row % windowRows;
            long end = Math.min(start + windowRows, fileStarts[file + 1] - fileStarts[file]);
            window = readWindow(files.get(file), start, end);
            windowFile = file;
            windowStart = start;
        }
        return window[(int) (row - windowStart)];
    }

    private byte[][] readWindow(Path file, long start, long end) {
        String sql = "SELECT " + IMAGE_COLUMN + ".bytes, " + IMAGE_COLUMN + ".path FROM read_parquet("
                + ParquetTables.literal(file) + ", file_row_number = true) WHERE file_row_number >= " + start
                + " AND file_row_number < " + end + " ORDER BY file_row_number";
        byte[][] rows = new byte[(int) (end - start)][];
        int count = 0;
        try (Connection connection = ParquetTables.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                byte[] bytes = result.getBytes(1);
                if (bytes == null) {
                    String path = result.getString(2);
                    throw new UserInputException("row " + (start + count) + " of '" + file + "' has no image bytes"
                            + (path == null ? "" : " (only a path, '" + path + "', which amalgam does not follow)"));
                }
                if (count < rows.length) {
                    rows[count] = bytes;
                }
                count++;
            }
        } catch (SQLException e) {
            throw ParquetTables.unreadable(file, "rows " + start + " to " + (end - 1), e);
        }
        if (count != rows.length) {
            throw new UserInputException("parquet file '" + file + "' gave " + count + " rows in " + start + " to " + (end - 1)
                    + ", expected " + rows.length + " (changed while reading?)");
        }
        return rows;
    }

    /** The image column must be an HF Image struct with encoded bytes; the label column an integer or boolean. */
    private static void checkColumns(Connection connection, Path file) {
        String image = null;
        String label = null;
        StringBuilder columns = new StringBuilder();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("DESCRIBE SELECT * FROM read_parquet(" + ParquetTables.literal(file) + ")")) {
            while (result.next()) {
                String name = result.getString("column_name");
                String type = result.getString("column_type");
                columns.append(columns.isEmpty() ? "" : ", ").append(name).append(' ').append(type);
                if (name.equals(IMAGE_COLUMN)) {
                    image = type;
                } else if (name.equals(LABEL_COLUMN)) {
                    label = type;
                }
            }
        } catch (SQLException e) {
            throw ParquetTables.unreadable(file, "the schema", e);
        }
        boolean imageStruct = image != null && image.startsWith("STRUCT(") && image.contains("bytes BLOB");
        boolean integerLabel = label != null && label.matches("U?(TINYINT|SMALLINT|INTEGER|BIGINT)|BOOLEAN");
        if (!imageStruct || !integerLabel) {
            throw new UserInputException("parquet file '" + file + "' needs an '" + IMAGE_COLUMN + "' column of HF Image"
                    + " structs (bytes, path) and an integer '" + LABEL_COLUMN + "' column; its columns: " + columns);
        }
    }

    private static HfFeatures features(Connection connection, Path file) {
        String sql = "SELECT key, value FROM parquet_kv_metadata(" + ParquetTables.literal(file) + ")";
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                if (HfFeatures.METADATA_KEY.equals(new String(result.getBytes(1), StandardCharsets.UTF_8))) {
                    return HfFeatures.parse(result.getBytes(2), IMAGE_COLUMN, LABEL_COLUMN, "parquet file '" + file + "'");
                }
            }
            return HfFeatures.none();
        } catch (SQLException e) {
            throw ParquetTables.unreadable(file, "the metadata", e);
        }
    }

    /** The file's labels in row order; a missing or negative label, or one past the class names, is bad input. */
    private static int[] labels(Connection connection, Path file, Optional<List<String>> names) {
        String sql = "SELECT CAST(" + LABEL_COLUMN + " AS BIGINT) FROM read_parquet(" + ParquetTables.literal(file)
                + ", file_row_number = true) ORDER BY file_row_number";
        int classes = names.map(List::size).orElse(Integer.MAX_VALUE);
        int[] labels = new int[16];
        int count = 0;
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                long label = result.getLong(1);
                if (result.wasNull() || label < 0 || label >= classes) {
                    throw new UserInputException("row " + count + " of '" + file + "' has label "
                            + (result.wasNull() ? "null" : label) + (label < 0 ? " (unlabelled)" : "")
                            + (names.isPresent() ? "; the split has " + classes + " classes" : ""));
                }
                if (count == labels.length) {
                    labels = Arrays.copyOf(labels, labels.length * 2);
                }
                labels[count++] = (int) label;
            }
        } catch (SQLException e) {
            throw ParquetTables.unreadable(file, "the labels", e);
        }
        return Arrays.copyOf(labels, count);
    }
}
