package amalgam.merge;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for long work, drawn only when asked and when stderr is a terminal. */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static Progress start(String task, long total, boolean wanted) {
        return wanted && System.console() != null ? new Progress(builder(task, total).build()) : new Progress(null);
    }

    /** A bar counted in bytes and shown in MiB. */
    public static Progress startBytes(String task, long totalBytes, boolean wanted) {
        return wanted && System.console() != null ? new Progress(builder(task, totalBytes).setUnit(" MiB", 1L << 20).build())
                : new Progress(null);
    }

    private static ProgressBarBuilder builder(String task, long total) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(250);
    }

    public void step() {
        stepBy(1);
    }

    /** Thread-safe, so parallel work may report into one bar. */
    public void stepBy(long amount) {
        if (bar != null) {
            bar.stepBy(amount);
        }
    }

    /** Text shown after the bar (a training loop's current loss). */
    public void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
