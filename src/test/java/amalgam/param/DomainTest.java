package amalgam.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DomainTest {
    @Test
    void nonFiniteValuesAreOutsideEveryDomain() {
        for (Domain domain : List.of(Domain.REAL, Domain.UNIT, Domain.NON_NEGATIVE, Domain.POSITIVE, Domain.FLAG,
                Domain.INTEGER, Domain.integersFrom(1))) {
            assertFalse(domain.contains(Double.NaN), domain.toString());
            assertFalse(domain.contains(Double.POSITIVE_INFINITY), domain.toString());
            assertFalse(domain.contains(Double.NEGATIVE_INFINITY), domain.toString());
            assertFalse(domain.contains(domain.justOutside()), domain + " excludes " + domain.justOutside());
        }
    }

    @Test
    void boundsAndIntegers() {
        assertTrue(Domain.UNIT.contains(0) && Domain.UNIT.contains(1));
        assertFalse(Domain.openClosed(0, 1).contains(0));
        assertTrue(Domain.openClosed(0, 1).contains(1));
        assertFalse(Domain.closedOpen(0, 1).contains(1));
        assertFalse(Domain.integersFrom(1).contains(1.5));
        assertFalse(Domain.integersFrom(1).contains(0));
        assertEquals(-Double.MIN_VALUE, Domain.UNIT.justOutside());
        assertEquals(0, Domain.openClosed(0, 1).justOutside());
        assertEquals(0, Domain.integersFrom(1).justOutside());
        assertEquals(Double.POSITIVE_INFINITY, Domain.REAL.justOutside());
    }

    @Test
    void describedInIntervalNotation() {
        assertEquals("[0, 1]", Domain.UNIT.toString());
        assertEquals("(0, 1]", Domain.openClosed(0, 1).toString());
        assertEquals("[0, ∞)", Domain.NON_NEGATIVE.toString());
        assertEquals("(-∞, ∞)", Domain.REAL.toString());
        assertEquals("{0, 1}", Domain.FLAG.toString());
        assertEquals("{1, 2, …}", Domain.integersFrom(1).toString());
        assertEquals("{1, …, 100}", Domain.integers(1, 100).toString());
    }

    @Test
    void checkNamesWhatValueAndDomain() {
        UserInputException error = assertThrows(UserInputException.class,
                () -> Domain.UNIT.check(1.5, "parameter 't' of merge_method slerp"));
        assertEquals("parameter 't' of merge_method slerp is 1.5, outside its domain [0, 1]", error.getMessage());
        assertTrue(assertThrows(UserInputException.class, () -> Domain.REAL.check(Double.NaN, "x")).getMessage()
                .contains("NaN"));
    }
}
