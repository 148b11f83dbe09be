package amalgam.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.FunctionalAnchor;
import amalgam.model.clip.VisionFineTuning;
import amalgam.model.clip.ZeroShotHead;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A miniature zoo (a one-layer tower, two synthetic tasks, a few steps) built twice with different lane counts: every
 * file must be byte-identical, the layout must be what the benchmark reads, and the fine-tuned models must differ
 * from the pretrained one and beat it on their own task's training objective.
 */
class ZooBuilderTest {
    static final ZooRecipe TINY = new ZooRecipe("tiny", new ClipConfig(new ClipConfig.Tower(16, 32, 1, 2,
            ClipConfig.Activation.QUICK_GELU, 1e-5f, 32, 8, 3, 0, 0, -1), null, 8), 3, 8, 5,
            new VisionFineTuning.Settings(30, 16, 3e-3f, 3, 0.05f, 1.0, 2), 8, (float) Math.log(100),
            new VisionFineTuning.Settings(40, 16, 3e-3f, 4, 0.1f, 1.0, 10), new FunctionalAnchor.Settings(1f, 64, 16, 100), List.of("orientation", "position"), 640, 64, 3);

    @TempDir
    Path temp;

    @Test
    void buildsTheSameBytesWithOneOrTwoLanes() throws IOException {
        Path one = temp.resolve("one");
        Path two = temp.resolve("two");
        StringWriter log = new StringWriter();
        new ZooBuilder(TINY, new PrintWriter(log)).build(one, 1);
        new ZooBuilder(TINY, new PrintWriter(log)).build(two, 2);
        List<Path> files = files(one);
        assertEquals(files, files(two));
        for (Path file : files) {
            assertArrayEquals(Files.readAllBytes(one.resolve(file)), Files.readAllBytes(two.resolve(file)), file.toString());
        }
        assertTrue(files.contains(Path.of("modelpool.yaml")));
        for (String model : List.of("pretrained", "orientation", "position")) {
            assertTrue(files.contains(Path.of(model, "model.safetensors")), model);
            assertTrue(files.contains(Path.of(model, "config.json")), model);
            assertEquals(TINY.architecture(), ClipConfig.read(one.resolve(model).resolve("config.json")));
        }
        assertTrue(log.toString().contains("zoo 'tiny' complete"), log.toString());
    }

    @Test
    void headsAreUnitRowsAndTaskModelsMoveAwayFromThePretrainedOne() {
        Path zoo = temp.resolve("zoo");
        new ZooBuilder(TINY, new PrintWriter(new StringWriter())).build(zoo, 2);
        try (Arena arena = Arena.ofConfined()) {
            ZeroShotHead head = ZeroShotHead.load(zoo.resolve("heads").resolve("orientation.safetensors"), arena);
            assertEquals(8, head.weight().shape().dim(0)); // eight orientations
            assertEquals(8, head.weight().shape().dim(1)); // projection width
            double columnSum = 0;
            for (int c = 0; c < 8; c++) {
                double norm = 0;
                for (int p = 0; p < 8; p++) {
                    float v = head.weight().getFloat(c * 8L + p);
                    norm += v * v;
                }
                assertEquals(1.0, norm, 1e-5, "row " + c);
                columnSum += head.weight().getFloat(c * 8L);
            }
            assertTrue(Double.isFinite(columnSum));
            assertEquals(Math.log(100), head.logitScale(), 1e-6);
        }
        try (Checkpoint pretrained = Checkpoint.open(zoo.resolve("pretrained"));
             Checkpoint tuned = Checkpoint.open(zoo.resolve("position"))) {
            String tower = "vision_model.encoder.layers.0.mlp.fc1.weight";
            assertFalse(java.util.Arrays.equals(pretrained.tensor(tower).toFloatArray(), tuned.tensor(tower).toFloatArray()));
            assertArrayEquals(pretrained.tensor("visual_projection.weight").toFloatArray(),
                    tuned.tensor("visual_projection.weight").toFloatArray(), "the projection stays frozen");
        }
        ImageTaskPool pool = BuiltInBenchmark.taskPool(TINY, zoo);
        Map<String, TaskMetrics> before = pool.evaluate(zoo.resolve("pretrained"), 2);
        Map<String, TaskMetrics> after = pool.evaluate(zoo.resolve("position"), 2);
        assertTrue(after.get("position").loss() < before.get("position").loss(),
                "fine-tuning lowers the task's loss: " + before.get("position") + " -> " + after.get("position"));
    }

    @Test
    void everyTaskModelIsFineTunedWithTheRecipesMargin() throws IOException {
        VisionFineTuning.Settings plain = TINY.fineTuning();
        ZooRecipe withMargin = new ZooRecipe(TINY.name(), TINY.architecture(), TINY.initSeed(), TINY.sceneClasses(),
                TINY.sceneSeed(), TINY.pretraining(), TINY.headSamples(), TINY.logitScale(),
                new VisionFineTuning.Settings(plain.steps(), plain.batchSize(), plain.learningRate(), plain.warmupSteps(),
                        plain.weightDecay(), plain.maxGradNorm(), plain.seed(), 0.4f),
                TINY.anchor(), TINY.tasks(), TINY.syntheticTrain(), TINY.testSize(), TINY.dataSeed());
        Path without = temp.resolve("without");
        Path with = temp.resolve("with");
        new ZooBuilder(TINY, new PrintWriter(new StringWriter())).build(without, 2);
        new ZooBuilder(withMargin, new PrintWriter(new StringWriter())).build(with, 2);
        String weights = "model.safetensors";
        assertArrayEquals(Files.readAllBytes(without.resolve("pretrained").resolve(weights)),
                Files.readAllBytes(with.resolve("pretrained").resolve(weights)), "the margin is a fine-tuning setting");
        for (String task : TINY.tasks()) {
            assertFalse(java.util.Arrays.equals(Files.readAllBytes(without.resolve(task).resolve(weights)),
                    Files.readAllBytes(with.resolve(task).resolve(weights))), task + " was fine-tuned without the margin");
        }
    }

    @Test
    void aKilledBuildResumesFromTheStagesItFinishedAndGivesTheSameBytes() throws IOException {
        Path whole = temp.resolve("whole");
        new ZooBuilder(TINY, new PrintWriter(new StringWriter())).build(whole, 1);
        // what a build killed during the second fine-tune leaves beside its output: its staging folder, marked with the
        // recipe's key, holding the pretrained model, the heads and the first task model
        Path target = temp.resolve("zoo");
        ZooBuilder builder = new ZooBuilder(TINY, new PrintWriter(new StringWriter()));
        Path leftover = Files.createDirectories(temp.resolve(".zoo.partial-killed"));
        Files.writeString(leftover.resolve(".amalgam-staging"), builder.runKey());
        for (String stage : List.of("pretrained", "heads", "orientation")) {
            copyTree(whole.resolve(stage), leftover.resolve(stage));
        }
        StringWriter log = new StringWriter();
        new ZooBuilder(TINY, new PrintWriter(log)).build(target, 2);
        assertTrue(log.toString().contains("resumed: the pretrained model"), log.toString());
        assertTrue(log.toString().contains("resumed: the heads"), log.toString());
        assertTrue(log.toString().contains("resumed: orientation"), log.toString());
        assertFalse(log.toString().contains("resumed: position"), log.toString());
        assertFalse(Files.exists(leftover), "the staging folder became the output");
        List<Path> files = files(whole);
        assertEquals(files, files(target));
        for (Path file : files) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(target.resolve(file)), file.toString());
        }
    }

    @Test
    void aLeftoverOfAnotherRecipeIsNotResumed() throws IOException {
        Path leftover = Files.createDirectories(temp.resolve(".zoo.partial-other"));
        Files.writeString(leftover.resolve(".amalgam-staging"), "zoo-of-another-recipe");
        Files.createDirectories(leftover.resolve("pretrained"));
        StringWriter log = new StringWriter();
        new ZooBuilder(TINY, new PrintWriter(log)).build(temp.resolve("zoo"), 2);
        assertFalse(log.toString().contains("resumed"), log.toString());
        assertFalse(Files.exists(leftover), "a dead run's staging is removed");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path path : walk.toList()) {
                Path copy = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
    }

    @Test
    void refusesToReplaceAFolderThatIsNotAZoo() throws IOException {
        Path other = Files.createDirectories(temp.resolve("notes"));
        Files.writeString(other.resolve("keep.txt"), "mine");
        amalgam.UserInputException error = org.junit.jupiter.api.Assertions.assertThrows(amalgam.UserInputException.class,
                () -> new ZooBuilder(TINY, new PrintWriter(new StringWriter())).build(other, 1));
        assertTrue(error.getMessage().contains("refusing to replace"), error.getMessage());
        assertEquals("mine", Files.readString(other.resolve("keep.txt")));
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
