package dev.relpack.engine;

import dev.relpack.elf.NativeCode;
import dev.relpack.layers.LayerPlan;
import dev.relpack.release.Release;
import java.util.List;

/**
 * What relpack sees in a release, without building anything: its facts, what its native code
 * asks of a base, how it would be layered, and how the image would start it.
 *
 * @param entrypoint the start script in the image, alone
 * @param cmd its command when a runtime gives none ({@code start} or {@code foreground})
 */
public record Inspection(Release release, LayerPlan plan, NativeCode nativeCode,
    List<String> entrypoint, List<String> cmd) {
  public Inspection {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
  }
}
