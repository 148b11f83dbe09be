package amalgam.fusion;

/**
 * Which tensors a method's scope covers, judged from names and shapes (a checkpoint does not record module types).
 * <ul>
 * <li>LIN (weights of linear layers): 2-D tensors named {@code *.weight} that are not embeddings
 * (no {@code embed} in the name).</li>
 * <li>LEAF (parameters owned by leaf modules): names ending in {@code .weight} or {@code .bias}; a direct
 * parameter of a container module such as CLIP's {@code embeddings.class_embedding} is not a leaf parameter.</li>
 * </ul>
 */
public final class TensorScopes {
    private TensorScopes() {
    }

    public static boolean isLinearWeight(String name, int rank) {
        return rank == 2 && name.endsWith(".weight") && !name.contains("embed");
    }

    public static boolean isLeafParameter(String name) {
        return name.endsWith(".weight") || name.endsWith(".bias");
    }
}
