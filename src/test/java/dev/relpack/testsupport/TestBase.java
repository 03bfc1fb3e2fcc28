package dev.relpack.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A base image a test assembled, in an OCI layout, and the forms {@code --from} takes it in:
 * {@code oci:}, {@code tar:} (a docker-archive skopeo writes) and a registry reference (skopeo
 * pushes it). Each form is made once, on first use.
 */
public final class TestBase {
  private final String name;
  private final Path layout;
  private final String ref;
  private Path archive;
  private String pushed;

  TestBase(String name, Path layout, String ref) {
    this.name = name;
    this.layout = layout;
    this.ref = ref;
  }

  /** A short name, also the repository it is pushed to ({@code bases/NAME}). */
  public String name() {
    return name;
  }

  public Path layout() {
    return layout;
  }

  public String ref() {
    return ref;
  }

  /** {@code oci:LAYOUT:REF}. */
  public String oci() {
    return "oci:" + layout + ":" + ref;
  }

  /** {@code tar:FILE}, a docker-archive of this base tagged {@code relpack-test/NAME:1}. */
  public synchronized String tar() {
    if (archive == null) {
      Path file = layout.resolveSibling(name + ".tar");
      if (!Files.exists(file)) {
        Skopeo.copy(oci(), "docker-archive:" + file + ":relpack-test/" + name + ":1");
      }
      archive = file;
    }
    return "tar:" + archive;
  }

  /** This base pushed to {@code registry} as {@code bases/NAME:1}; its reference. */
  public synchronized String pushedTo(RegistryServer registry) {
    String reference = registry.address() + "/bases/" + name + ":1";
    if (!reference.equals(pushed)) {
      Skopeo.copy(oci(), "docker://" + reference);
      pushed = reference;
    }
    return reference;
  }

  /** One of {@link #oci()}, {@link #tar()}, {@link #pushedTo} by kind. */
  public String as(Kind kind, RegistryServer registry) {
    return switch (kind) {
      case OCI -> oci();
      case TAR -> tar();
      case REGISTRY -> pushedTo(registry);
    };
  }

  /** The forms of {@code --from} a test base is given in. */
  public enum Kind { REGISTRY, TAR, OCI }

  @Override
  public String toString() {
    return name;
  }
}
