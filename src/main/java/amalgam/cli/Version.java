package amalgam.cli;

import picocli.CommandLine;

/** The version string: amalgam's own, and the Java runtime it runs on. */
public final class Version implements CommandLine.IVersionProvider {
    public static String amalgamVersion() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"amalgam " + amalgamVersion(), "Java " + Runtime.version() + " on "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch")};
    }
}
