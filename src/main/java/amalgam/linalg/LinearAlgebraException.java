package amalgam.linalg;

/**
 * A LAPACK routine reported failure through its {@code info} code: a singular matrix in a solve, an SVD or
 * eigen-decomposition that did not converge, or (negative info) an illegal argument.
 */
public final class LinearAlgebraException extends ArithmeticException {
    private final String routine;
    private final int info;

    public LinearAlgebraException(String routine, int info, String message) {
        super(message);
        this.routine = routine;
        this.info = info;
    }

    /** The LAPACK routine, e.g. "sgesv". */
    public String routine() {
        return routine;
    }

    /** LAPACK's info code (non-zero). */
    public int info() {
        return info;
    }
}
