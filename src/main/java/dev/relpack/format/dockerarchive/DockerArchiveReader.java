package dev.relpack.format.dockerarchive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relpack.error.BadInputException;
import dev.relpack.io.BoundedTarInputStream;
import dev.relpack.io.Sha256;
import dev.relpack.format.ocilayout.OciLayoutNames;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.relpack.io.Printable;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads what relpack needs from a {@code docker save} archive, and rejects what jib cannot use. */
public final class DockerArchiveReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerArchiveReader() {}

  /** The archive's first image: its tag if it has one, the digest of its config, its config. */
  public record Summary(Optional<String> repoTag, String configDigest, JsonNode config) {}

  public static Summary read(Path tar) {
    Contents contents = scan(tar);
    JsonNode image = contents.image();
    JsonNode tags = image.path("RepoTags");
    Optional<String> tag = tags.isArray() && tags.size() > 0
        ? Optional.of(tags.get(0).asText()) : Optional.empty();
    return new Summary(tag, "sha256:" + Sha256.of(contents.configBytes()), contents.config());
  }

  /** The config of the archive's first image, as it is stored. */
  public static byte[] configBytes(Path tar) {
    return scan(tar).configBytes().clone();
  }

  /**
   * One layer of the archive's first image: its name in manifest.json, the file of the archive
   * that holds it (a link is followed to the file it names), and the diff ID its config gives it.
   */
  public record Layer(String name, String member, String diffId) {}

  /** The archive's first image: its layers in manifest order, and its config's {@code Env}. */
  public record Image(List<Layer> layers, List<String> env) {}

  /** The archive's first image, each of its layers named by a sha256 diff ID. */
  public static Image image(Path tar) {
    Contents contents = scan(tar);
    String display = "{from} tar:" + tar;
    JsonNode layerNames = contents.image().path("Layers");
    JsonNode diffIds = contents.config().path("rootfs").path("diff_ids");
    if (layerNames.size() != diffIds.size()) {
      throw new BadInputException(display + ": " + DockerArchiveNames.MANIFEST + " names "
          + layerNames.size() + " layers, its config lists " + diffIds.size()
          + " diff IDs; save the image again");
    }
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < layerNames.size(); i++) {
      String name = strip(layerNames.get(i).asText());
      String diffId = diffIds.get(i).asText();
      if (!diffId.matches("sha256:[0-9a-f]{64}")) {
        throw new BadInputException(display + ": its config gives layer " + Printable.of(name)
            + " the diff ID " + Printable.of(diffId) + ", which is not a sha256 digest");
      }
      layers.add(new Layer(name, contents.links().getOrDefault(name, name), diffId));
    }
    List<String> env = new ArrayList<>();
    contents.config().path("config").path("Env").forEach(variable -> env.add(variable.asText()));
    return new Image(layers, env);
  }

  /**
   * The archive read to the start of {@code layer}'s file, as it is stored (compressed or not);
   * closing it closes the archive.
   */
  public static InputStream open(Path tar, Layer layer) throws IOException {
    return member(tar, layer.member(), "{from} tar:" + tar + ": layer " + Printable.of(layer.name()));
  }

  /** The archive read to the start of the file {@code member}; closing it closes the archive. */
  private static InputStream member(Path tar, String member, String layer) throws IOException {
    TarArchiveInputStream in = new BoundedTarInputStream(
        new BufferedInputStream(Files.newInputStream(tar)), "{from} tar:" + tar);
    try {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        if (e.isFile() && strip(e.getName()).equals(member)) {
          return in;
        }
      }
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
    in.close();
    throw new BadInputException(layer + ": the archive no longer holds " + Printable.of(member)
        + " (it changed while relpack read it)");
  }

  /**
   * What the archive holds, checked: its links (each to a file of the archive, by name), and
   * the first image of its manifest.json, which names a config it holds and layers that are its
   * own files.
   */
  private record Contents(Map<String, String> links, JsonNode image, byte[] configBytes,
      JsonNode config) {}

  private static Contents scan(Path tar) {
    if (!Files.isRegularFile(tar)) {
      throw new BadInputException("{from} tar:" + tar + ": no such file");
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar))) {
      raw.mark(2);
      if (raw.read() == 0x1f && raw.read() == 0x8b) {
        throw new BadInputException("{from} tar:" + tar + " is gzip-compressed; jib reads"
            + " uncompressed docker-archive files: gunzip it first");
      }
      raw.reset();
      Map<String, byte[]> small = new HashMap<>();
      Set<String> files = new HashSet<>();
      Map<String, String> links = new HashMap<>();
      try (TarArchiveInputStream in = new BoundedTarInputStream(raw, "{from} tar:" + tar)) {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
          String name = checkedName(tar, e);
          if ((e.isFile() || e.isSymbolicLink() || e.isLink())
              && (files.contains(name) || links.containsKey(name))) {
            // jib unpacks the archive, so the last one would win; the check must read what jib
            // uses, and no tool writes an archive like this
            throw new BadInputException("{from} tar:" + tar + ": it holds "
                + Printable.of(name) + " twice; save the image again");
          }
          if (e.isSymbolicLink()) {
            links.put(name, linkTarget(tar, name, e.getLinkName()));
          } else if (e.isLink()) {
            links.put(name, strip(e.getLinkName()));
          } else if (e.isFile()) {
            files.add(name);
          }
          if (e.isFile() && e.getSize() < (8 << 20) && name.endsWith(".json")) {
            small.put(name, in.readAllBytes());
          }
        }
      }
      byte[] manifestBytes = small.get(DockerArchiveNames.MANIFEST);
      if (manifestBytes == null) {
        throw new BadInputException("{from} tar:" + tar + " is not a docker-archive (`docker save`)"
            + " tarball: it has no " + DockerArchiveNames.MANIFEST
            + (small.containsKey(OciLayoutNames.INDEX)
            ? "; it looks like an OCI layout: unpack it and use {from} oci:DIR" : ""));
      }
      requireLinksToFiles(tar, files, links);
      JsonNode image = JSON.readTree(manifestBytes).path(0);
      for (JsonNode layer : image.path("Layers")) {
        if (!files.contains(links.getOrDefault(layer.asText(), layer.asText()))) {
          throw new BadInputException("{from} tar:" + tar + ": " + DockerArchiveNames.MANIFEST
              + " names layer "
              + Printable.of(layer.asText()) + ", which is not a file in the archive; a base"
              + " archive may only name its own files");
        }
      }
      String config = strip(image.path("Config").asText(""));
      byte[] configBytes = small.get(config);
      if (configBytes == null) {
        throw new BadInputException("{from} tar:" + tar + ": " + DockerArchiveNames.MANIFEST
            + " names config " + config
            + ", which is not in the archive");
      }
      return new Contents(links, image, configBytes, JSON.readTree(configBytes));
    } catch (IOException e) {
      throw new BadInputException("{from} tar:" + tar + " is not a readable tar archive: "
          + e.getMessage(), e);
    }
  }

  /**
   * jib unpacks the archive and opens the files manifest.json names, so every entry must stay
   * inside it: a name with {@code ..} or a link leading out would let the base name any file of
   * this machine as one of its layers. Files, directories and links (which {@code docker save}
   * and skopeo write for layers shared between images) only.
   */
  private static String checkedName(Path tar, TarArchiveEntry entry) {
    String name = strip(entry.getName());
    boolean inside = !name.startsWith("/") && java.util.Arrays.stream(name.split("/"))
        .noneMatch(part -> part.equals(".."));
    if (!inside) {
      throw new BadInputException("{from} tar:" + tar + ": entry " + Printable.of(entry.getName())
          + " points outside the archive; save the image again");
    }
    if (!(entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || entry.isLink())
        || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      throw new BadInputException("{from} tar:" + tar + ": entry " + Printable.of(entry.getName())
          + " is a device or other special file; save the image again");
    }
    return name;
  }

  /**
   * Where a symlink entry leads, as a name in the archive: only relative targets whose
   * {@code ..} all come first and stay within the archive, so that resolving them by name is what
   * the file system will do (the link's own directory is no link: see requireLinksToFiles).
   */
  private static String linkTarget(Path tar, String name, String target) {
    List<String> dir = new ArrayList<>(List.of(name.split("/")));
    dir.remove(dir.size() - 1);
    String[] parts = target.split("/");
    int i = 0;
    while (i < parts.length && parts[i].equals("..") && !dir.isEmpty()) {
      dir.remove(dir.size() - 1);
      i++;
    }
    List<String> rest = List.of(parts).subList(i, parts.length);
    if (target.startsWith("/") || rest.isEmpty() || rest.stream()
        .anyMatch(p -> p.isEmpty() || p.equals(".") || p.equals(".."))) {
      throw new BadInputException("{from} tar:" + tar + ": link " + Printable.of(name) + " -> "
          + Printable.of(target) + " leads outside the archive; save the image again");
    }
    dir.addAll(rest);
    return String.join("/", dir);
  }

  /** Every link leads to a file of the archive, and no entry lies under a link. */
  private static void requireLinksToFiles(Path tar, Set<String> files, Map<String, String> links) {
    links.forEach((link, target) -> {
      if (!files.contains(target)) {
        throw new BadInputException("{from} tar:" + tar + ": link " + Printable.of(link) + " -> "
            + Printable.of(target) + " does not lead to a file in the archive; save the image"
            + " again");
      }
    });
    Set<String> all = new HashSet<>(files);
    all.addAll(links.keySet());
    for (String name : all) {
      for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
        if (links.containsKey(name.substring(0, slash))) {
          throw new BadInputException("{from} tar:" + tar + ": entry " + Printable.of(name)
              + " lies under the link " + Printable.of(name.substring(0, slash))
              + "; save the image again");
        }
      }
    }
  }

  private static String strip(String name) {
    return name.startsWith("./") ? name.substring(2) : name;
  }
}
