package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.fusion.RunReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How many lanes a sweep gets, and that jobs on several lanes come back whole and in order, however they finish. */
class SweepLanesTest {
    @Test
    void theLaneCountIsAskedForOrBoundedByCoresJobsAndMemory() {
        assertEquals(3, SweepLanes.count(3, 5, 2, 1L << 30));
        assertEquals(5, SweepLanes.count(8, 5, 2, 1L << 30), "never more lanes than jobs");
        assertThrows(UserInputException.class, () -> SweepLanes.count(0, 5, 2, 1L << 30));
        assertEquals(1, SweepLanes.count(null, 5, 2, 1L << 30), "two cores: one lane of two threads");
        assertEquals(1, SweepLanes.count(null, 1, 64, 1L << 20), "one job: one lane");
        assertEquals(1, SweepLanes.count(null, 8, 64, Long.MAX_VALUE), "no memory for a second lane");
        assertTrue(SweepLanes.count(null, 8, 16, 1L << 20) <= 8);
    }

    @Test
    void outputsArriveInJobOrderWhateverOrderTheJobsFinishIn() {
        List<SweepLanes.Lane> lanes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lanes.add(new SweepLanes.Lane() {
                @Override
                public RunReport run(int job, PrintWriter out) {
                    try {
                        Thread.sleep((6 - job) * 15L); // later jobs finish first
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.println("job " + job);
                    return null;
                }

                @Override
                public void close() {
                }
            });
        }
        StringWriter printed = new StringWriter();
        List<Integer> order = new ArrayList<>();
        SweepLanes.run(6, lanes, new PrintWriter(printed), done -> {
            order.add(done.job());
            printed.append(done.text());
        });
        assertEquals(List.of(0, 1, 2, 3, 4, 5), order);
        assertEquals("job 0\njob 1\njob 2\njob 3\njob 4\njob 5\n", printed.toString().replace("\r\n", "\n"));
    }
}
