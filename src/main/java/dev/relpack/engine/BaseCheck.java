package dev.relpack.engine;

import dev.relpack.base.BaseFiles;
import dev.relpack.base.BaseImage;
import dev.relpack.base.ImageFileTree;
import dev.relpack.base.LayerIndexCache;
import dev.relpack.base.LayerIndexer;
import dev.relpack.base.OsInventory;
import dev.relpack.base.PackageDatabase;
import dev.relpack.boot.BootCheck;
import dev.relpack.boot.CheckedBase;
import dev.relpack.boot.Distribution;
import dev.relpack.boot.Verdict;
import dev.relpack.elf.MachineFileSystem;
import dev.relpack.error.InternalException;
import dev.relpack.release.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the boot check on a resolved base: the host base against this machine, any other against
 * its file tree, read from its layers (or from their cached indexes).
 */
final class BaseCheck {
  private final Path machineRoot;
  private final Path cacheRoot;
  private final Consumer<String> warn;

  BaseCheck(Path machineRoot, Path cacheRoot, Consumer<String> warn) {
    this.machineRoot = machineRoot;
    this.cacheRoot = cacheRoot;
    this.warn = warn;
  }

  /**
   * @param appRoot where the release lies in the image
   * @param env the image's environment: the base's, relpack's and the user's
   */
  Verdict check(Release release, BaseImage base, String appRoot, Map<String, String> env) {
    try {
      CheckedBase checked = checked(base, env);
      return new BootCheck(release, appRoot, env).check(checked);
    } catch (IOException e) {
      throw new InternalException("cannot check the base " + base.name() + ": " + e.getMessage(), e);
    }
  }

  /**
   * What the base's os-release and package database say, for the SBOM: the host base's from the
   * files it wrote, any other's from the same file tree the check reads (its layer indexes are
   * cached, so the check and this read the layers once between them).
   */
  OsInventory inventory(BaseImage base) {
    if (base.contents() instanceof BaseImage.MachineContents machine) {
      return machine.inventory();
    }
    try {
      BaseFiles baseFiles = ((BaseImage.LayerContents) base.contents()).source().files();
      return PackageDatabase.read(tree(baseFiles));
    } catch (IOException e) {
      throw new InternalException("cannot read the package database of the base " + base.name()
          + ": " + e.getMessage(), e);
    }
  }

  private CheckedBase checked(BaseImage base, Map<String, String> env) throws IOException {
    if (base.contents() instanceof BaseImage.MachineContents machine) {
      MachineFileSystem files = new MachineFileSystem(machine.root());
      return new CheckedBase(base.name(), files, machine.path(), Distribution.of(files), true);
    }
    BaseFiles baseFiles = ((BaseImage.LayerContents) base.contents()).source().files();
    ImageFileTree files = tree(baseFiles);
    return new CheckedBase(base.name(), files, path(env, baseFiles.path()),
        Distribution.of(files), false);
  }

  /** Reads the layers' indexes into the cache, where the check finds them. */
  void index(BaseFiles baseFiles) throws IOException {
    tree(baseFiles);
  }

  private ImageFileTree tree(BaseFiles baseFiles) throws IOException {
    Path work = cacheRoot.resolve("tmp");
    Files.createDirectories(work);
    return new LayerIndexCache(cacheRoot, new LayerIndexer(work), warn).tree(baseFiles.layers());
  }

  /** The image's PATH: the user's or the base's, else what container runtimes default to. */
  static List<String> path(Map<String, String> env, List<String> basePath) {
    String path = env.get("PATH");
    return path != null ? Arrays.stream(path.split(":")).toList() : basePath;
  }
}
