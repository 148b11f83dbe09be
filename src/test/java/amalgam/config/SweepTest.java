package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepTest {
    private static List<HydraOverride> parse(String... arguments) {
        return java.util.Arrays.stream(arguments).map(HydraOverride::parse).toList();
    }

    private static List<List<String>> texts(List<List<HydraOverride>> jobs) {
        return jobs.stream().map(job -> job.stream().map(HydraOverride::text).toList()).toList();
    }

    @Test
    void cartesianProductWithTheFirstKeySlowest() {
        // Hydra's BasicSweeper: itertools.product over the keys in order
        assertEquals(List.of(List.of("a=1", "b=x", "c=z"), List.of("a=1", "b=y", "c=z"), List.of("a=2", "b=x", "c=z"),
                List.of("a=2", "b=y", "c=z")), texts(Sweep.expand(parse("a=1,2", "b=x,y", "c=z"))));
    }

    @Test
    void jobsCarryConcreteTypedValues() {
        List<List<HydraOverride>> jobs = Sweep.expand(parse("method.scaling_factor=0.1,0.3", "method=choice(ta,ties)"));
        assertEquals(4, jobs.size());
        assertEquals(0.1, jobs.get(0).get(0).element());
        assertEquals("ties", jobs.get(1).get(1).element());
        assertEquals("method.scaling_factor=0.3", jobs.get(2).get(0).text());
        assertEquals(List.of(List.of("x=1"), List.of("x=2")), texts(Sweep.expand(parse("x=range(1,3)"))));
    }

    @Test
    void aRepeatedKeyKeepsItsFirstPlaceAndLastValue() {
        assertEquals(List.of(List.of("a=3", "b=1"), List.of("a=4", "b=1")),
                texts(Sweep.expand(parse("a=1,2", "b=1", "a=3,4"))));
    }

    @Test
    void withoutSweepsThereIsOneJob() {
        assertEquals(List.of(List.of("a=1", "+b=[1,2]")), texts(Sweep.expand(parse("a=1", "+b=[1,2]"))));
    }

    @Test
    void sweepsNeedMultirun() {
        UserInputException simple = assertThrows(UserInputException.class,
                () -> Sweep.checkAllowed(parse("method.scaling_factor=0.1,0.3,0.5"), false));
        assertTrue(simple.getMessage().contains("--multirun") && simple.getMessage().contains("[value1,value2]"),
                simple.getMessage());
        assertThrows(UserInputException.class, () -> Sweep.checkAllowed(parse("a=range(3)"), false));
        Sweep.checkAllowed(parse("a=1,2", "b=range(3)"), true);
        assertThrows(UserInputException.class, () -> Sweep.checkAllowed(parse("hydra.run.dir=a,b"), true));
    }
}
