/**
 * LoRA references in mergekit configs ({@code MODEL+ADAPTER}): PEFT adapters folded into their base model's
 * tensors as the merge reads them, with PEFT's {@code merge_and_unload} arithmetic.
 */
package amalgam.mergekit.lora;
