package amalgam.data.hub;

import amalgam.UserInputException;
import amalgam.data.image.ImageDecoder;
import amalgam.data.image.RgbImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A split stored as WebDataset shards, as {@code datasets} reads them: the tar files of the split's folder
 * ({@code test/0.tar}, {@code test/1.tar}, ... in name order), each sample the members sharing a key (the member's
 * path up to the first dot of its file name), here an encoded image ({@code jpg}, {@code png} or {@code webp}) and its
 * class index as text ({@code cls}), in the order the shards hold them. Only each image's place is kept in memory;
 * its bytes are read when it is decoded.
 */
final class WebDatasetImageSplit implements HubImageSplit {
    private static final int BLOCK = 512;
    private static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "webp");
    private static final int MAX_LABEL_BYTES = 32;

    private final HubDatasetSplit split;
    private final List<Path> files;
    private final int[] fileOf;
    private final long[] offsets;
    private final int[] sizes;
    private final int[] labels;

    private WebDatasetImageSplit(HubDatasetSplit split, List<Path> files, int[] fileOf, long[] offsets, int[] sizes, int[] labels) {
        this.split = split;
        this.files = files;
        this.fileOf = fileOf;
        this.offsets = offsets;
        this.sizes = sizes;
        this.labels = labels;
    }

    /** The split's shards in {@code snapshot}: {@code SPLIT/*.tar}. */
    static WebDatasetImageSplit open(Path snapshot, HubDatasetSplit split) {
        Path folder = snapshot.resolve(split.split());
        List<Path> files;
        try (Stream<Path> entries = Files.isDirectory(folder) ? Files.list(folder) : Stream.empty()) {
            files = entries.filter(file -> file.getFileName().toString().endsWith(".tar")).sorted().toList();
        } catch (IOException e) {
            throw new UserInputException(split.describe() + ": cannot list '" + folder + "': " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new UserInputException(split.describe() + ": no WebDataset shards ('" + split.split() + "/*.tar') in '" + snapshot
                    + "'; fetch the dataset with `hf download --repo-type dataset " + split.repoId() + "`");
        }
        List<Integer> fileIndex = new ArrayList<>();
        List<long[]> places = new ArrayList<>();
        List<Integer> labelList = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            for (Sample sample : samples(files.get(f), split)) {
                fileIndex.add(f);
                places.add(new long[] {sample.imageOffset(), sample.imageSize()});
                labelList.add(sample.label());
            }
        }
        if (labelList.isEmpty()) {
            throw new UserInputException(split.describe() + " has no samples");
        }
        int n = labelList.size();
        int[] fileOf = new int[n];
        long[] offsets = new long[n];
        int[] sizes = new int[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            fileOf[i] = fileIndex.get(i);
            offsets[i] = places.get(i)[0];
            sizes[i] = (int) places.get(i)[1];
            labels[i] = labelList.get(i);
        }
        return new WebDatasetImageSplit(split, List.copyOf(files), fileOf, offsets, sizes, labels);
    }

    private record Sample(long imageOffset, long imageSize, int label) {
    }

    /** The samples of one tar shard, in member order; a malformed shard is bad input naming it. */
    private static List<Sample> samples(Path file, HubDatasetSplit split) {
        Map<String, long[]> images = new LinkedHashMap<>();
        Map<String, Integer> labels = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long position = 0;
            ByteBuffer header = ByteBuffer.allocate(BLOCK);
            while (position + BLOCK <= size) {
                header.clear();
                readFully(channel, header, position, file);
                byte[] block = header.array();
                if (isZero(block)) {
                    break; // the end-of-archive blocks
                }
                String name = text(block, 0, 100);
                String prefix = text(block, 345, 155);
                long length = octal(block, 124, 12, file);
                char type = (char) block[156];
                long data = position + BLOCK;
                if (data + length > size) {
                    throw new UserInputException("WebDataset shard '" + file + "' is truncated (member '" + name + "')");
                }
                if (type == '0' || type == 0) {
                    String path = prefix.isEmpty() ? name : prefix + "/" + name;
                    int slash = path.lastIndexOf('/');
                    int dot = path.indexOf('.', slash + 1);
                    if (dot > 0) {
                        String key = path.substring(0, dot);
                        String extension = path.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
                        if (IMAGE_EXTENSIONS.contains(extension)) {
                            images.put(key, new long[] {data, length});
                        } else if (extension.equals("cls")) {
                            labels.put(key, label(channel, data, length, file, path));
                        }
                    }
                }
                position = data + (length + BLOCK - 1) / BLOCK * BLOCK;
            }
        } catch (IOException e) {
            throw new UserInputException("cannot read WebDataset shard '" + file + "' of " + split.describe() + ": " + e.getMessage(), e);
        }
        List<Sample> samples = new ArrayList<>();
        for (Map.Entry<String, long[]> image : images.entrySet()) {
            Integer label = labels.get(image.getKey());
            if (label == null) {
                throw new UserInputException("WebDataset shard '" + file + "': sample '" + image.getKey() + "' has an image but no .cls label");
            }
            if (image.getValue()[1] > Integer.MAX_VALUE - 8) {
                throw new UserInputException("WebDataset shard '" + file + "': image '" + image.getKey() + "' is too large");
            }
            samples.add(new Sample(image.getValue()[0], image.getValue()[1], label));
        }
        return samples;
    }

    private static int label(FileChannel channel, long offset, long length, Path file, String member) throws IOException {
        if (length > MAX_LABEL_BYTES) {
            throw new UserInputException("WebDataset shard '" + file + "': label '" + member + "' is not a class index");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        readFully(channel, buffer, offset, file);
        String text = new String(buffer.array(), StandardCharsets.UTF_8).strip();
        try {
            int label = Integer.parseInt(text);
            if (label < 0) {
                throw new NumberFormatException();
            }
            return label;
        } catch (NumberFormatException e) {
            throw new UserInputException("WebDataset shard '" + file + "': label '" + member + "' is '" + text + "', not a class index");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new UserInputException("WebDataset shard '" + file + "' is truncated");
            }
            at += read;
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] block, int from, int length) {
        int end = from;
        while (end < from + length && block[end] != 0) {
            end++;
        }
        return new String(block, from, end - from, StandardCharsets.UTF_8);
    }

    /** A tar header's octal number (NUL or space terminated). */
    private static long octal(byte[] block, int from, int length, Path file) {
        long value = 0;
        boolean digits = false;
        for (int i = from; i < from + length; i++) {
            byte b = block[i];
            if (b == 0 || (b == ' ' && digits)) {
                break;
            }
            if (b == ' ') {
                continue;
            }
            if (b < '0' || b > '7') {
                throw new UserInputException("WebDataset shard '" + file + "' is not a tar file (bad header)");
            }
            value = value * 8 + (b - '0');
            digits = true;
            if (value > (1L << 40)) {
                throw new UserInputException("WebDataset shard '" + file + "' has a member of impossible size");
            }
        }
        return value;
    }

    @Override
    public HubDatasetSplit split() {
        return split;
    }

    @Override
    public Optional<List<String>> classNames() {
        return Optional.empty();
    }

    @Override
    public String identity() {
        return HubImageSplit.identityOf(split, files);
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public RgbImage image(int index) {
        Path file = files.get(fileOf[index]);
        ByteBuffer buffer = ByteBuffer.allocate(sizes[index]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            readFully(channel, buffer, offsets[index], file);
        } catch (IOException e) {
            throw new UserInputException("cannot read WebDataset shard '" + file + "': " + e.getMessage(), e);
        }
        return ImageDecoder.decode(buffer.array(), "sample " + index + " of " + split.describe() + " ('" + file + "')");
    }
}
