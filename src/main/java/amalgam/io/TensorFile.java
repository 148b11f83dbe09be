package amalgam.io;

import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One weights file of a checkpoint, mapped once: safetensors, or a PyTorch {@code torch.save} archive. */
public sealed interface TensorFile extends AutoCloseable permits SafetensorsFile, TorchFile {
    Path path();

    /** Every tensor, sorted by name. */
    List<TensorInfo> tensors();

    Optional<TensorInfo> find(String name);

    /** The tensor, valid until it is released or the file closed. */
    Tensor tensor(String name);

    /** Maps the tensor's pages in one go before a full read; a hint, never required. */
    void prefetch(String name);

    /** The tensor's memory is no longer needed by this process. */
    void release(String name);

    Map<String, String> metadata();

    @Override
    void close();

    /** Opens a weights file by its contents: a ZIP archive is a PyTorch checkpoint, anything else safetensors. */
    static TensorFile open(Path path) {
        if (TorchFile.isTorchArchive(path)) {
            return TorchFile.open(path);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth")) {
            throw new amalgam.UserInputException("'" + path + "' is not a ZIP-format PyTorch checkpoint (the legacy format"
                    + " of PyTorch < 1.6 is not read: re-save it with a current torch, or convert it to safetensors)");
        }
        return SafetensorsFile.open(path);
    }
}
