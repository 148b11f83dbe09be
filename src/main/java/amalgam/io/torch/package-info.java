/**
 * Reading PyTorch {@code torch.save} checkpoints ({@code pytorch_model.bin}) without running their pickle: the
 * ZIP container's directory, and a restricted unpickler that knows only the objects a state dict is made of.
 */
package amalgam.io.torch;
