package amalgam.model.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZeroShotTemplatesTest {
    /** Template counts as the spec (Part B2) states them, in TALL20 order. */
    private static final Map<String, Integer> SPEC_COUNTS = new LinkedHashMap<>();

    static {
        String[] tasks = {"sun397", "stanford-cars", "resisc45", "eurosat", "svhn", "gtsrb", "mnist", "dtd",
            "oxford_flowers102", "pcam", "fer2013", "oxford-iiit-pet", "stl10", "cifar100", "cifar10", "food101",
            "fashion_mnist", "emnist_letters", "kmnist", "rendered-sst2"};
        int[] counts = {2, 8, 18, 3, 1, 3, 1, 8, 1, 1, 6, 1, 2, 18, 18, 1, 2, 1, 1, 1};
        for (int i = 0; i < tasks.length; i++) {
            SPEC_COUNTS.put(tasks[i], counts[i]);
        }
    }

    @Test
    void countsPerTaskMatchTheSpec() {
        assertEquals(List.copyOf(SPEC_COUNTS.keySet()), ZeroShotTemplates.TALL20);
        assertEquals(8, ZeroShotTemplates.TA8.size());
        assertEquals(14, ZeroShotTemplates.TALL14.size());
        assertEquals(ZeroShotTemplates.TALL20.subList(0, 14), ZeroShotTemplates.TALL14);
        SPEC_COUNTS.forEach((task, count) ->
                assertEquals(count, ZeroShotTemplates.forTask(task).templates().size(), task));
    }

    @Test
    void ta8ListsAreFromTheSpecAndTheRestAreMarked() {
        for (String task : ZeroShotTemplates.TALL20) {
            ZeroShotTemplates.Source expected = ZeroShotTemplates.TA8.contains(task)
                    ? ZeroShotTemplates.Source.SPEC : ZeroShotTemplates.Source.STANDARD_CLIP;
            assertEquals(expected, ZeroShotTemplates.forTask(task).source(), task);
            for (String template : ZeroShotTemplates.forTask(task).templates()) {
                assertEquals(1, template.split("\\{}", -1).length - 1, task + ": " + template);
            }
        }
    }

    @Test
    void articleMajorOrderAndPromptsByHand() {
        List<String> resisc = ZeroShotTemplates.forTask("resisc45").templates();
        assertEquals("satellite imagery of {}.", resisc.get(0));
        assertEquals("aerial view of {}.", resisc.get(5));
        assertEquals("satellite imagery of a {}.", resisc.get(6));
        assertEquals("aerial view of the {}.", resisc.get(17));
        assertEquals(List.of("a photo of a banded texture.", "a photo of a banded pattern.",
                "a photo of a banded thing.", "a photo of a banded object.", "a photo of the banded texture.",
                "a photo of the banded pattern.", "a photo of the banded thing.", "a photo of the banded object."),
                ZeroShotTemplates.forTask("dtd").prompts("banded"));
        assertEquals(List.of("a photo of the number: \"7\"."), ZeroShotTemplates.forTask("mnist").prompts("7"));
        assertEquals("a centered satellite photo of a forest.",
                ZeroShotTemplates.forTask("eurosat").prompts("forest").get(1));
    }

    @Test
    void unknownTaskIsAUserError() {
        UserInputException e = assertThrows(UserInputException.class, () -> ZeroShotTemplates.forTask("imagenet"));
        assertTrue(e.getMessage().contains("'imagenet'"), e.getMessage());
    }
}
