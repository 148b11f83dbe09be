package amalgam.model.lm;

import amalgam.UserInputException;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;

/**
 * A batch of token ids with its attention mask, checked at the boundary: both I64 [B, L] with B, L >= 1, ids inside
 * the vocabulary, mask entries 0 or 1 (1 = a real token).
 *
 * @param inputIds      I64 [B, L]
 * @param attentionMask I64 [B, L]
 */
public record LmBatch(Tensor inputIds, Tensor attentionMask) {
    public LmBatch {
        check(inputIds, "input_ids");
        check(attentionMask, "attention_mask");
        if (!inputIds.shape().equals(attentionMask.shape())) {
            throw new UserInputException("input 'input_ids' " + inputIds.shape() + " and 'attention_mask' "
                    + attentionMask.shape() + " differ in shape");
        }
        for (long i = 0; i < attentionMask.elementCount(); i++) {
            long value = attentionMask.data().getAtIndex(Layouts.I64, i);
            if (value != 0 && value != 1) {
                throw new UserInputException("input 'attention_mask' holds " + value + " at row " + i / length(attentionMask)
                        + ", position " + i % length(attentionMask) + "; it must be 0 (padding) or 1 (a real token)");
            }
        }
    }

    private static void check(Tensor tensor, String name) {
        if (tensor.dtype() != DType.I64) {
            throw new UserInputException("input '" + name + "' is " + tensor.dtype() + "; it must be I64");
        }
        if (tensor.shape().rank() != 2 || tensor.shape().dim(0) < 1 || tensor.shape().dim(1) < 1) {
            throw new UserInputException("input '" + name + "' has shape " + tensor.shape() + "; it must be [B, L] with B, L >= 1");
        }
    }

    private static long length(Tensor tensor) {
        return tensor.shape().dim(1);
    }

    public long batch() {
        return inputIds.shape().dim(0);
    }

    public long length() {
        return inputIds.shape().dim(1);
    }

    /** Every id must index the embedding table of {@code vocabSize} rows. */
    public void checkVocabulary(int vocabSize) {
        for (long i = 0; i < inputIds.elementCount(); i++) {
            long id = inputIds.data().getAtIndex(Layouts.I64, i);
            if (id < 0 || id >= vocabSize) {
                throw new UserInputException("input 'input_ids' holds id " + id + " at row " + i / length() + ", position "
                        + i % length() + ", outside the model's vocabulary of " + vocabSize);
            }
        }
    }

    /**
     * The position a classifier pools at: the last one whose mask is 1, so left and right padding both work
     * (transformers finds it from pad_token_id in the ids, with the same result when pads are exactly the masked
     * positions); 0 for a row without real tokens, as transformers' argmax over an all-pad row gives.
     */
    public long lastRealPosition(long row) {
        for (long position = length() - 1; position > 0; position--) {
            if (attentionMask.data().getAtIndex(Layouts.I64, row * length() + position) == 1) {
                return position;
            }
        }
        return 0;
    }
}
