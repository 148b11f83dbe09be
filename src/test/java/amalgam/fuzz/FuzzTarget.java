package amalgam.fuzz;

import java.nio.file.Path;
import java.util.List;

/**
 * One parser under fuzzing, called the way the CLI calls it: the input is written to {@code fileName} in a work
 * directory and {@link Action#accept} opens it from there. Returning normally or throwing
 * {@link amalgam.UserInputException} (exit 2) are the acceptable outcomes; anything else is a finding.
 *
 * @param name       the corpus folder under {@code src/test/resources/fuzz/} and the property name part
 * @param fileName   what the input is called in the work directory
 * @param text       whether text mutations (numbers, nesting, lines, dictionary words) apply
 * @param dictionary tokens the mutator splices in (keys, keywords, structure)
 * @param setUp      prepares the work directory once (files the inputs refer to)
 * @param action     parses the input file
 * @param inner      structure-aware mutation of a part (a safetensors header, a pickle inside a ZIP) with the
 *                   container repaired around it, for half of the inputs; null if none
 * @param maxSize    mutated inputs are cut to this many bytes
 */
record FuzzTarget(String name, String fileName, boolean text, List<String> dictionary, SetUp setUp, Action action,
                  Inner inner, int maxSize) {
    interface Action {
        void accept(Path input) throws Exception;
    }

    interface SetUp {
        void prepare(Path workDirectory) throws Exception;
    }

    /**
     * A part of the format mutated on its own.
     *
     * @param text       whether text mutations apply to the part
     * @param dictionary tokens spliced into the part
     * @param rebuild    takes a seed and a mutator of the part; returns the seed with the part mutated and the
     *                   container around it made consistent again (lengths, offsets)
     */
    record Inner(boolean text, List<String> dictionary, Rebuild rebuild) {
    }

    interface Rebuild {
        byte[] apply(byte[] seed, java.util.function.UnaryOperator<byte[]> mutatePart) throws Exception;
    }

    FuzzTarget(String name, String fileName, boolean text, List<String> dictionary, Action action) {
        this(name, fileName, text, dictionary, directory -> { }, action, null, 1 << 20);
    }

    FuzzTarget withSetUp(SetUp prepare) {
        return new FuzzTarget(name, fileName, text, dictionary, prepare, action, inner, maxSize);
    }

    FuzzTarget withInner(Inner part) {
        return new FuzzTarget(name, fileName, text, dictionary, setUp, action, part, maxSize);
    }

    /**
     * YAML targets cap inputs at 64 KiB: SnakeYAML's work grows with the square of a line's length (a 560 KB
     * one-line config allocates 600 MB), a known cost that would otherwise mask other findings; config size limits
     * belong to the readers.
     */
    FuzzTarget withMaxSize(int bytes) {
        return new FuzzTarget(name, fileName, text, dictionary, setUp, action, inner, bytes);
    }
}
