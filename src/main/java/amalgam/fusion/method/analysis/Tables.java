package amalgam.fusion.method.analysis;

import java.util.List;

/** Tables as pandas' {@code DataFrame.to_csv} writes them: a header of the column names after an empty index cell. */
final class Tables {
    private Tables() {
    }

    static String csv(List<String> rows, List<String> columns, double[] values) {
        StringBuilder out = new StringBuilder();
        for (String column : columns) {
            out.append(',').append(cell(column));
        }
        out.append('\n');
        for (int r = 0; r < rows.size(); r++) {
            out.append(cell(rows.get(r)));
            for (int c = 0; c < columns.size(); c++) {
                out.append(',').append(values[r * columns.size() + c]);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String cell(String text) {
        return text.contains(",") || text.contains("\"") || text.contains("\n") ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }
}
