package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.data.hub.FusionBenchDatasets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every TALL20 task has class names, as many as its dataset has classes, distinct and non-blank. */
class ZeroShotClassNamesTest {
    private static final Map<String, Integer> CLASSES = Map.ofEntries(Map.entry("sun397", 397), Map.entry("stanford-cars", 196),
            Map.entry("resisc45", 45), Map.entry("eurosat", 10), Map.entry("svhn", 10), Map.entry("gtsrb", 43),
            Map.entry("mnist", 10), Map.entry("dtd", 47), Map.entry("oxford_flowers102", 102), Map.entry("pcam", 2),
            Map.entry("fer2013", 7), Map.entry("oxford-iiit-pet", 37), Map.entry("stl10", 10), Map.entry("cifar100", 100),
            Map.entry("cifar10", 10), Map.entry("food101", 101), Map.entry("fashion_mnist", 10), Map.entry("emnist_letters", 26),
            Map.entry("kmnist", 10), Map.entry("rendered-sst2", 2));

    @Test
    void everyTall20TaskHasItsDatasetsNumberOfClasses() {
        assertEquals(CLASSES.keySet(), new HashSet<>(ZeroShotTemplates.TALL20));
        for (String task : ZeroShotTemplates.TALL20) {
            List<String> names = ZeroShotClassNames.forTask(task).orElseThrow();
            assertEquals(CLASSES.get(task), names.size(), task);
            assertEquals(names.size(), new HashSet<>(names).size(), task + " names are distinct");
            assertTrue(names.stream().noneMatch(String::isBlank), task);
        }
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), ZeroShotClassNames.forTask("mnist").orElseThrow());
        assertEquals("abbey", ZeroShotClassNames.forTask("sun397").orElseThrow().getFirst());
        assertEquals("お", ZeroShotClassNames.forTask("kmnist").orElseThrow().getFirst());
        assertEquals(Optional.empty(), ZeroShotClassNames.forTask("imagenet"));
    }

    @Test
    void fusionBenchDatasetIdsNameTheirTasks() {
        assertEquals(Optional.of("stanford-cars"), FusionBenchDatasets.taskOf("tanganke/stanford_cars"));
        assertEquals(Optional.of("pcam"), FusionBenchDatasets.taskOf("1aurent/PatchCamelyon"));
        assertEquals(Optional.of("food101"), FusionBenchDatasets.taskOf("ethz/food101"));
        assertEquals(Optional.empty(), FusionBenchDatasets.taskOf("someone/else"));
    }
}
