package amalgam.cli;

import amalgam.merge.Versions;
import picocli.CommandLine;

/** The version string: amalgam's own, and the Java runtime it runs on. */
public final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"amalgam " + Versions.amalgam(), "Java " + Runtime.version() + " on "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch")};
    }
}
