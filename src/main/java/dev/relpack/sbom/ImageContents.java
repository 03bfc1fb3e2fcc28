package dev.relpack.sbom;

import dev.relpack.base.OsInventory;
import dev.relpack.elf.ElfFile;
import dev.relpack.io.SourceDate;
import dev.relpack.elf.ElfFormatException;
import dev.relpack.elf.ElfReader;
import dev.relpack.io.Futures;
import dev.relpack.io.Sha256;
import dev.relpack.layers.LayerPlan;
import dev.relpack.layers.PlannedLayer;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.release.ReleaseFile;
import dev.relpack.sbom.HexPackages.HexPackage;
import dev.relpack.sbom.SbomComponent.Kind;
import dev.relpack.sbom.SbomComponent.Property;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.FutureTask;

/**
 * Finds what an image holds for its SBOM: the release, ERTS, each application of the
 * {@code .rel} (a Hex package when mix.lock locks it at that version, else an OTP application,
 * with the layer that says whose it is), every ELF file of the release (NIFs, port programs,
 * ERTS's executables) with its SHA-256 and the libraries it links, and the base with its
 * operating system, packages and unowned files.
 */
public final class ImageContents {
  private final Release release;
  private final LayerPlan layers;
  private final Map<String, HexPackage> hexPackages;
  private final String appRoot;
  private final KnownDigests knownDigests;
  private final FutureTask<List<NativeFile>> nativeFiles = new FutureTask<>(this::readNativeFiles);

  /**
   * @param layers the release's layer plan: which layer holds an application says whether it
   *     is OTP's or Elixir's ({@code otp}), a dependency ({@code deps}) or the project's own
   *     ({@code app})
   * @param hexPackages the project's Hex packages by application ({@link HexPackages#read});
   *     empty when the project is not known
   * @param appRoot where the release lies in the image: files are named by their image path
   */
  public ImageContents(Release release, LayerPlan layers, Map<String, HexPackage> hexPackages,
      String appRoot) {
    this(release, layers, hexPackages, appRoot, file -> Optional.empty());
  }

  /**
   * @param knownDigests the SHA-256 of a release file where it is known already (the content
   *     store's lists of its units): such a file is not hashed again
   */
  public ImageContents(Release release, LayerPlan layers, Map<String, HexPackage> hexPackages,
      String appRoot, KnownDigests knownDigests) {
    this.knownDigests = knownDigests;
    this.release = release;
    this.layers = layers;
    this.hexPackages = Map.copyOf(hexPackages);
    this.appRoot = appRoot.endsWith("/") ? appRoot.substring(0, appRoot.length() - 1) : appRoot;
  }

  /**
   * The SBOM of a built image.
   *
   * @param digest the image's manifest digest, which its serial number derives from
   * @param base the image's base; empty for scratch
   * @param environment for the timestamp ({@link SourceDate})
   */
  public Sbom ofImage(String digest, Optional<SbomBase> base, Map<String, String> environment,
      String toolVersion) throws IOException {
    List<SbomComponent> components = releaseComponents();
    base.ifPresent(b -> components.addAll(baseComponents(b)));
    return new Sbom(subject(), components, SerialNumber.ofImage(digest),
        SourceDate.of(environment), toolVersion, Optional.of(digest));
  }

  /**
   * The release's part of an SBOM, before any image exists ({@code inspect}): its serial number
   * derives from the release's content, every file's path, mode and bytes.
   */
  public Sbom ofRelease(Map<String, String> environment, String toolVersion) throws IOException {
    return new Sbom(subject(), releaseComponents(), SerialNumber.ofContent(contentDigest()),
        SourceDate.of(environment), toolVersion, Optional.empty());
  }

  private SbomComponent subject() {
    return new SbomComponent("release:" + release.name() + "@" + release.version(),
        Kind.APPLICATION, release.name(), Optional.of(release.version()), Optional.empty(),
        List.of(), Optional.empty(), List.of(new Property("relpack:release:kind",
            release.kind().label())));
  }

  /**
   * Starts reading the release's native code (its ELF files, each parsed and hashed) on a thread
   * of its own, so that the document, made once the image is pushed, waits for none of it: on a
   * build whose image is already in the registry that reading is most of the SBOM's cost. A
   * build that ends first (a base that does not fit) leaves the thread, a daemon, to finish.
   */
  public void readAhead() {
    Thread reading = new Thread(nativeFiles, "relpack-sbom-read-ahead");
    reading.setDaemon(true);
    reading.start();
  }

  /** The release's ELF files, read once: ahead ({@link #readAhead}), else here. */
  private List<NativeFile> nativeFiles() throws IOException {
    nativeFiles.run(); // returns at once when it ran, or runs, on the read-ahead thread
    return Futures.result(nativeFiles, "reading the release's native code");
  }

  private List<NativeFile> readNativeFiles() throws IOException {
    List<NativeFile> found = new ArrayList<>();
    for (ReleaseFile file : release.files()) {
      if (!file.directory() && !file.beamModule()) {
        Optional<ElfFile> elf = readElf(file);
        if (elf.isPresent()) {
          Optional<String> known = knownDigests.of(file.source());
          found.add(new NativeFile(file, elf.get(),
              known.isPresent() ? known.get() : Sha256.of(file.source())));
        }
      }
    }
    return List.copyOf(found);
  }

  /** Where the SHA-256 of a file may be known without reading it. */
  @FunctionalInterface
  public interface KnownDigests {
    /** The SHA-256 of {@code file}'s bytes, hex, if known; empty to have it hashed. */
    Optional<String> of(Path file);
  }

  /** An ELF file of the release, parsed, with the SHA-256 of its bytes. */
  private record NativeFile(ReleaseFile file, ElfFile elf, String sha256) {}

  private List<SbomComponent> releaseComponents() throws IOException {
    List<SbomComponent> components = new ArrayList<>();
    // lib/APP-VSN or erts-VSN -> the architecture of the native code it carries
    Map<String, String> nativeUnits = new TreeMap<>();
    for (NativeFile found : nativeFiles()) {
      String unit = unitOf(found.file().path());
      found.elf().ociArchitecture().ifPresent(arch -> nativeUnits.putIfAbsent(unit, arch));
      components.add(elfComponent(found));
    }
    String ertsPurl = Purl.otp("erts", release.ertsVersion(),
        Optional.ofNullable(nativeUnits.get("erts-" + release.ertsVersion())));
    components.add(new SbomComponent(ertsPurl, Kind.PLATFORM, "erts",
        Optional.of(release.ertsVersion()), Optional.of(ertsPurl), List.of(), Optional.empty(),
        List.of(new Property("relpack:erts:included", String.valueOf(release.ertsIncluded())))));
    Map<String, String> layerOfApp = new TreeMap<>();
    for (PlannedLayer layer : layers.layers()) {
      layer.apps().forEach(dir -> layerOfApp.put(dir, layer.kind().label()));
    }
    for (ReleaseApp app : release.apps()) {
      components.add(appComponent(app, Optional.ofNullable(layerOfApp.get(app.directory())),
          Optional.ofNullable(nativeUnits.get("lib/" + app.directory()))));
    }
    return components;
  }

  private SbomComponent appComponent(ReleaseApp app, Optional<String> layer,
      Optional<String> architecture) {
    Optional<HexPackage> hex = Optional.ofNullable(hexPackages.get(app.name()))
        .filter(p -> p.version().equals(app.version()));
    String purl = hex.map(HexPackage::purl)
        .orElseGet(() -> Purl.otp(app.name(), app.version(), architecture));
    List<Property> properties = new ArrayList<>();
    layer.ifPresent(l -> properties.add(new Property("relpack:layer", l)));
    hex.filter(p -> !p.name().equals(app.name()))
        .ifPresent(p -> properties.add(new Property("relpack:hex:package", p.name())));
    if (!app.started()) {
      properties.add(new Property("relpack:otp:started", "false"));
    }
    return new SbomComponent(purl, Kind.LIBRARY, app.name(), Optional.of(app.version()),
        Optional.of(purl), hex.map(HexPackage::licenses).orElse(List.of()), Optional.empty(),
        properties);
  }

  private SbomComponent elfComponent(NativeFile found) {
    ElfFile elf = found.elf();
    String path = appRoot + "/" + found.file().path();
    List<Property> properties = new ArrayList<>();
    elf.interpreter().ifPresent(i -> properties.add(new Property("relpack:elf:interpreter", i)));
    elf.needed().stream().distinct().sorted()
        .forEach(lib -> properties.add(new Property("relpack:elf:needed", lib)));
    return new SbomComponent("file:" + path, Kind.FILE, path, Optional.empty(), Optional.empty(),
        List.of(), Optional.of(found.sha256()), properties);
  }

  private static List<SbomComponent> baseComponents(SbomBase base) {
    List<SbomComponent> components = new ArrayList<>();
    Optional<String> purl = base.digest().flatMap(d -> base.repository().map(r -> Purl.oci(r, d)));
    OsInventory inventory = base.inventory();
    // a base whose packages were not all read says so: no packages listed is not "no packages"
    List<Property> baseProperties = inventory.unread()
        .map(why -> List.of(new Property("relpack:os:packages-unread", why))).orElse(List.of());
    components.add(new SbomComponent(purl.orElse("base:" + base.name()), Kind.CONTAINER,
        base.name(), Optional.empty(), purl, List.of(),
        base.digest().map(d -> d.substring(d.indexOf(':') + 1)), baseProperties));
    inventory.os().ifPresent(os -> components.add(new SbomComponent(
        "os:" + os.id() + os.versionId().map(v -> "@" + v).orElse(""), Kind.OPERATING_SYSTEM,
        os.id(), os.versionId(), Optional.empty(), List.of(), Optional.empty(),
        os.prettyName().map(p -> List.of(new Property("relpack:os:pretty-name", p)))
            .orElse(List.of()))));
    for (OsInventory.OsPackage pkg : inventory.packages()) {
      String packageUrl = Purl.os(pkg, inventory.os());
      List<Property> properties = new ArrayList<>();
      pkg.source().ifPresent(s -> properties.add(new Property("relpack:os:source-package", s)));
      components.add(new SbomComponent(packageUrl, Kind.LIBRARY, pkg.name(),
          Optional.of(pkg.version()), Optional.of(packageUrl), pkg.license().stream().toList(),
          Optional.empty(), properties));
    }
    for (String file : inventory.unownedFiles()) {
      components.add(new SbomComponent("base-file:" + file, Kind.FILE, file, Optional.empty(),
          Optional.empty(), List.of(), Optional.empty(),
          List.of(new Property("relpack:os:package", "none"))));
    }
    return components;
  }

  /** {@code erts-VSN} or {@code lib/APP-VSN} for a file in one; else the file's path. */
  private static String unitOf(String path) {
    String[] parts = path.split("/", 3);
    if (parts[0].equals("lib") && parts.length > 2) {
      return "lib/" + parts[1];
    }
    return parts[0];
  }

  private static Optional<ElfFile> readElf(ReleaseFile file) throws IOException {
    if (!ElfReader.isElf(file.source())) {
      return Optional.empty();
    }
    try {
      return Optional.of(ElfReader.read(file.source()));
    } catch (ElfFormatException e) {
      return Optional.empty(); // not native code the loader would run either
    }
  }

  /** SHA-256 over each file's path, kind, mode and content digest, in the release's order. */
  private byte[] contentDigest() throws IOException {
    MessageDigest digest = Sha256.newDigest();
    for (ReleaseFile file : release.files()) {
      String line = file.path() + "\0" + (file.directory() ? "d"
          : (file.executable() ? "x" : "f") + Sha256.of(file.source())) + "\n";
      digest.update(line.getBytes(StandardCharsets.UTF_8));
    }
    return digest.digest();
  }
}
