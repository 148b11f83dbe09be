package amalgam.nn.optim;

/**
 * Learning rate with linear warm-up then cosine decay (as Hugging Face's cosine schedule with warm-up):
 * lr(s) = peak s / warmup for s < warmup, else floor + (peak - floor) (1 + cos(pi min(1, (s - warmup) / (total -
 * warmup)))) / 2. Steps count from 0.
 */
public record CosineSchedule(float peak, long warmupSteps, long totalSteps, float floor) {
    public CosineSchedule {
        if (peak < 0 || floor < 0 || warmupSteps < 0 || totalSteps < warmupSteps) {
            throw new IllegalArgumentException("bad cosine schedule: peak " + peak + ", warm-up " + warmupSteps
                    + ", total " + totalSteps + ", floor " + floor);
        }
    }

    public float learningRate(long step) {
        if (step < warmupSteps) {
            return peak * step / warmupSteps;
        }
        long decaySteps = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return (float) (floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
