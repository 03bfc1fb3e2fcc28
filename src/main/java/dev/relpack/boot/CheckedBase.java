package dev.relpack.boot;

import dev.relpack.elf.RootFileSystem;
import java.util.List;

/**
 * A base as the boot check sees it.
 *
 * @param name as the image's {@code base.name} label names it
 * @param files its root file system: an image's, read from its layers, or what the host base
 *     took from this machine
 * @param path the directories a plain command name is looked up in, in order (the image's PATH)
 * @param distribution whose package names hints use
 * @param host whether the base is made from this machine's files: then what is missing is to be
 *     installed on this machine, not in a base image
 */
public record CheckedBase(String name, RootFileSystem files, List<String> path,
    Distribution distribution, boolean host) {
  public CheckedBase {
    path = List.copyOf(path);
  }
}
