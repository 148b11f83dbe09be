package amalgam.mergekit.method;

/**
 * When a tensor has a single input, which one a method copies unchanged instead of merging (mergekit's methods
 * return the one tensor they were given; which cases they accept differs by method, spec 3).
 */
public enum LoneInput {
    /** Never: the method's function handles every case (linear, passthrough). */
    NEVER,
    /** The one input, base or not. */
    ANY,
    /** The base model alone; a lone non-base input goes to the function (which needs the base and fails). */
    BASE,
    /** A lone non-base input when no base is present; the base alone goes to the function (which fails). */
    NON_BASE;

    boolean applies(MergeRequest request) {
        if (request.inputs().size() != 1) {
            return false;
        }
        return switch (this) {
            case NEVER -> false;
            case ANY -> true;
            case BASE -> request.hasBase();
            case NON_BASE -> !request.hasBase();
        };
    }
}
