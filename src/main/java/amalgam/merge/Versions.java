package amalgam.merge;

/** The amalgam version recorded in provenance (from the jar manifest; "dev" when run from classes). */
public final class Versions {
    private Versions() {
    }

    public static String amalgam() {
        String version = Versions.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
