package amalgam.data.hub;

import amalgam.UserInputException;

/**
 * FusionBench's {@code train_validation_split(dataset, validation_fraction, validation_size, random_seed, return_split)}:
 * {@code torch.utils.data.random_split} of the rows into a training and a validation part with
 * {@code torch.Generator().manual_seed(random_seed)}, one part kept. The permutation is torch's (its CPU
 * {@code randperm}: Fisher–Yates over the generator's MT19937 32-bit draws, checked against torch 1.13), so the parts
 * hold the rows FusionBench's hold, in its order.
 *
 * @param fraction   the validation fraction (null when {@code size} is given)
 * @param size       the validation size (null when {@code fraction} is given)
 * @param seed       torch's generator seed
 * @param validation true: the validation part; false: the training part
 */
public record RandomSubset(Double fraction, Integer size, long seed, boolean validation) {
    public RandomSubset {
        if ((fraction == null) == (size == null)) {
            throw new UserInputException("train_validation_split needs exactly one of validation_fraction and validation_size");
        }
        if (fraction != null && !(fraction > 0 && fraction < 1)) {
            throw new UserInputException("train_validation_split: validation_fraction must be in (0, 1), got " + fraction);
        }
        if (size != null && size < 0) {
            throw new UserInputException("train_validation_split: validation_size must not be negative, got " + size);
        }
        if (seed < 0 || seed > 0xffffffffL) {
            throw new UserInputException("train_validation_split: random_seed must be in [0, 2^32), got " + seed);
        }
    }

    /** The dataset rows of this part of a dataset of {@code rows} rows, in the part's order. */
    int[] rows(int rows) {
        int validationRows;
        if (size == null) {
            validationRows = (int) (rows * fraction); // Python's int(): truncation
        } else {
            if (size >= rows) {
                throw new UserInputException("train_validation_split: validation_size " + size + " is not below the " + rows + " rows");
            }
            validationRows = size;
        }
        int trainingRows = rows - validationRows;
        int[] permutation = permutation(rows, seed);
        int[] part = new int[validation ? validationRows : trainingRows];
        System.arraycopy(permutation, validation ? trainingRows : 0, part, 0, part.length);
        return part;
    }

    /** torch.randperm(n, generator=torch.Generator().manual_seed(seed)) on the CPU. */
    static int[] permutation(int n, long seed) {
        Mt19937 random = new Mt19937(seed);
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        for (int i = 0; i < n - 1; i++) {
            int z = (int) (random.next() % (n - i));
            int swap = values[i];
            values[i] = values[z + i];
            values[z + i] = swap;
        }
        return values;
    }

    String describe() {
        return (validation ? "validation" : "training") + " part of a random split, validation "
                + (fraction != null ? "fraction " + fraction : "size " + size) + ", seed " + seed;
    }

    /** The 32-bit Mersenne Twister (MT19937) as torch's CPU generator seeds and draws it. */
    private static final class Mt19937 {
        private final int[] state = new int[624];
        private int index = 624;

        Mt19937(long seed) {
            state[0] = (int) seed;
            for (int k = 1; k < 624; k++) {
                state[k] = 1812433253 * (state[k - 1] ^ (state[k - 1] >>> 30)) + k;
            }
        }

        /** The next draw, as an unsigned 32-bit value. */
        long next() {
            if (index >= 624) {
                for (int k = 0; k < 624; k++) {
                    int y = (state[k] & 0x80000000) | (state[(k + 1) % 624] & 0x7fffffff);
                    state[k] = state[(k + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
                }
                index = 0;
            }
            int y = state[index++];
            y ^= y >>> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            y ^= y >>> 18;
            return y & 0xffffffffL;
        }
    }
}
