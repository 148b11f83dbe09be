package amalgam.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The machine a run ran on, for its record. */
final class MachineInfo {
    private MachineInfo() {
    }

    static RunRecord.Environment environment(Map<String, String> software) {
        return new RunRecord.Environment(software, Runtime.getRuntime().availableProcessors(), memoryBytes(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " " + Runtime.version(), host());
    }

    /** amalgam's and Java's versions and the OS, until the provenance adds the BLAS backend (not loaded just for this). */
    static Map<String, String> software() {
        Map<String, String> software = amalgam.merge.Provenance.software(amalgam.merge.Versions.amalgam(), null);
        software.remove("backend");
        return software;
    }

    /** Physical memory: from /proc/meminfo on Linux (cheaper than starting the management beans), else from the OS bean. */
    private static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return 1024 * Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // the bean below
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    /** The host name without a network lookup (InetAddress.getLocalHost may wait on DNS). */
    static String host() {
        String environment = System.getenv("HOSTNAME");
        if (environment != null && !environment.isBlank()) {
            return environment;
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
