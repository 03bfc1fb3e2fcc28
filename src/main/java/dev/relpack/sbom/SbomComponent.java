package dev.relpack.sbom;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One thing an image holds, in terms both CycloneDX and SPDX can say.
 *
 * @param ref the component's identity within the document, unique in it (its purl when it has
 *     one): components are sorted by it, so the same image gives the same document
 * @param kind what sort of thing it is
 * @param name its name: an application, a package, or a file's path
 * @param version its version, when it has one
 * @param purl its package URL, when it has one
 * @param licenses licence names as its metadata gives them, in that order
 * @param sha256 the SHA-256 of its bytes (lower-case hex), for a file or a pinned image
 * @param properties more facts, in order (a name may repeat: one per library a NIF links)
 */
public record SbomComponent(String ref, Kind kind, String name, Optional<String> version,
    Optional<String> purl, List<String> licenses, Optional<String> sha256,
    List<Property> properties) {

  /** By {@link #ref}: unique within a document, so the order is total. */
  public static final Comparator<SbomComponent> ORDER = Comparator.comparing(SbomComponent::ref);

  public SbomComponent {
    licenses = List.copyOf(licenses);
    properties = List.copyOf(properties);
  }

  /** What a component is; each format has its own word for it. */
  public enum Kind {
    /** The release itself. */
    APPLICATION("application", "APPLICATION"),
    /** ERTS, the runtime the release's applications run on. */
    PLATFORM("platform", "FRAMEWORK"),
    /** An OTP application (of OTP, Elixir, a dependency or the project), or an OS package. */
    LIBRARY("library", "LIBRARY"),
    /** A file: native code, or a file of the base no package owns. */
    FILE("file", "FILE"),
    /** The base image. */
    CONTAINER("container", "CONTAINER"),
    /** The base's operating system, as its os-release names it. */
    OPERATING_SYSTEM("operating-system", "OPERATING-SYSTEM");

    private final String cycloneDx;
    private final String spdxPurpose;

    Kind(String cycloneDx, String spdxPurpose) {
      this.cycloneDx = cycloneDx;
      this.spdxPurpose = spdxPurpose;
    }

    /** CycloneDX's {@code component.type}. */
    public String cycloneDx() {
      return cycloneDx;
    }

    /** SPDX 2.3's {@code primaryPackagePurpose}. */
    public String spdxPurpose() {
      return spdxPurpose;
    }
  }

  /** A fact CycloneDX keeps as a property ({@code relpack:...}) and SPDX in a comment. */
  public record Property(String name, String value) {}
}
