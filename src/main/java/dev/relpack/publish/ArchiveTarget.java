package dev.relpack.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.format.ConfigRewrite;
import dev.relpack.format.CorruptBlobException;
import dev.relpack.format.dockerarchive.DockerArchiveNames;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.relpack.io.Sha256;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A {@code docker save} archive at {@code file}, for {@code docker load}; its images are named
 * after the release ({@code NAME:TAG}). Written beside the file and moved over it when complete.
 */
public record ArchiveTarget(Path file, List<String> tags) implements Target {
  private static final Pattern BLOB = Pattern.compile("([0-9a-f]{64})\\.(?:tar\\.gz|json)");

  public ArchiveTarget {
    tags = List.copyOf(tags);
  }

  @Override
  public String display() {
    return "tar:" + file;
  }

  @Override
  public void checkWritable() {
    Target.requireParentDirectory(file, display());
    if (Files.isDirectory(file)) {
      throw new BadInputException("{to} " + display() + " is a directory; name a file for the archive");
    }
  }

  @Override
  public ImageFormat format() {
    return ImageFormat.Docker;
  }

  /**
   * jib writes the archive beside the file; relpack copies it once more with the config naming
   * relpack as the author of the build's history entries (a new config entry, and manifest.json
   * naming it), and moves that over the file.
   */
  @Override
  public TargetSession.Written write(JibContainerBuilder jib, TargetSession session)
      throws Exception {
    Path absolute = file.toAbsolutePath();
    Path tmp = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
    Path changed = absolute.resolveSibling(tmp.getFileName() + ".relpack");
    try {
      ImageReference name =
          ImageReference.of(null, Target.repositoryName(session.imageName()), tags.get(0));
      JibContainer container = jib.containerize(
          session.configure(Containerizer.to(TarImage.at(tmp).named(name))));
      Contents jibs = contents(tmp);
      String jibDigest = "sha256:" + Sha256.of(jibs.dockerManifest());
      if (!jibDigest.equals(container.getDigest().toString())) {
        throw new InternalException("the manifest relpack derives from jib's archive has the"
            + " digest " + jibDigest + ", not " + container.getDigest() + " as jib says", null);
      }
      byte[] config = ConfigRewrite.authors(jibs.config(), session.addedLayers());
      Path result = tmp;
      String configDigest = jibs.configDigest();
      if (config != jibs.config()) {
        configDigest = "sha256:" + Sha256.of(config);
        rewrite(tmp, changed, jibs.configName(), configDigest, config);
        result = changed;
      }
      byte[] manifest = ConfigRewrite.configDescriptor(jibs.dockerManifest(), configDigest,
          config.length);
      session.requireWanted();
      Files.move(result, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return new TargetSession.Written("sha256:" + Sha256.of(manifest), configDigest,
          jibs.layers());
    } finally {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(changed);
    }
  }

  /**
   * What jib's archive holds: its config, its layers, and the Docker v2.2 manifest jib computed
   * its digest from (the archive does not hold it; it is derived here the way jib writes it, and
   * checked against the digest jib reports).
   */
  private record Contents(String configName, String configDigest, byte[] config,
      List<TargetSession.Blob> layers) {
    byte[] dockerManifest() throws IOException {
      ObjectMapper json = new ObjectMapper();
      ObjectNode manifest = json.createObjectNode().put("schemaVersion", 2)
          .put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
      manifest.putObject("config").put("mediaType", "application/vnd.docker.container.image.v1+json")
          .put("digest", configDigest).put("size", config.length);
      ArrayNode layerArray = manifest.putArray("layers");
      for (TargetSession.Blob layer : layers) {
        layerArray.addObject().put("mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip")
            .put("digest", layer.digest()).put("size", layer.size());
      }
      return json.writeValueAsBytes(manifest);
    }
  }

  /**
   * The config and layers of the archive jib wrote: digests from the names, sizes from the
   * entries. Each layer and the config is checked against the digest it is named by: a mismatch
   * means jib's cache gave bad content ({@link CorruptBlobException}).
   */
  private static Contents contents(Path archive) throws IOException {
    Map<String, Long> sizes = new LinkedHashMap<>();
    Map<String, byte[]> configs = new LinkedHashMap<>();
    JsonNode manifest = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        String name = entry.getName();
        if (name.equals(DockerArchiveNames.MANIFEST)) {
          manifest = new ObjectMapper().readTree(tar.readAllBytes());
          continue;
        }
        sizes.put(name, entry.getSize());
        Matcher named = BLOB.matcher(name);
        if (name.endsWith(".json")) {
          byte[] config = tar.readAllBytes();
          configs.put(name, config);
          if (named.matches() && !Sha256.of(config).equals(named.group(1))) {
            throw new CorruptBlobException("sha256:" + named.group(1));
          }
        } else if (named.matches()) {
          if (!Sha256.of(tar).equals(named.group(1))) {
            throw new CorruptBlobException("sha256:" + named.group(1));
          }
        }
      }
    }
    if (manifest == null) {
      throw new InternalException("jib wrote an archive without manifest.json", null);
    }
    String configName = manifest.path(0).path("Config").asText();
    byte[] config = configs.get(configName);
    if (config == null) {
      throw new InternalException("jib wrote an archive without its config " + configName, null);
    }
    List<TargetSession.Blob> layers = new ArrayList<>();
    for (JsonNode layer : manifest.path(0).path("Layers")) {
      String name = layer.asText();
      layers.add(new TargetSession.Blob("sha256:" + name.replace(".tar.gz", ""),
          sizes.getOrDefault(name, 0L)));
    }
    return new Contents(configName, "sha256:" + Sha256.of(config), config, layers);
  }

  /**
   * Copies jib's archive entry by entry, in its order, with the config {@code oldName} replaced by
   * {@code config} ({@code to}) and manifest.json naming it.
   */
  private static void rewrite(Path jibs, Path target, String oldName, String to, byte[] config)
      throws IOException {
    // jib names the config config.json; one named by its digest is renamed with it
    String newName = BLOB.matcher(oldName).matches() ? DockerArchiveNames.config(to) : oldName;
    try (TarArchiveInputStream in =
            new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(jibs)));
        TarArchiveOutputStream out = new TarArchiveOutputStream(
            new BufferedOutputStream(Files.newOutputStream(target)), "UTF-8")) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
        if (entry.getName().equals(oldName)) {
          put(out, entry, newName, config);
        } else if (entry.getName().equals(DockerArchiveNames.MANIFEST)) {
          String manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          put(out, entry, entry.getName(), manifest.replace("\"" + oldName + "\"",
              "\"" + newName + "\"").getBytes(StandardCharsets.UTF_8));
        } else {
          out.putArchiveEntry(entry);
          in.transferTo(out);
          out.closeArchiveEntry();
        }
      }
    }
  }

  private static void put(TarArchiveOutputStream out, TarArchiveEntry like, String name,
      byte[] content) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setModTime(like.getModTime());
    entry.setMode(like.getMode());
    entry.setSize(content.length);
    out.putArchiveEntry(entry);
    out.write(content);
    out.closeArchiveEntry();
  }

  /**
   * A docker-archive holds images and their names, nothing that refers to them: nothing is
   * written, and the caller says the artifact was not attached.
   */
  @Override
  public Optional<String> attach(String subjectDigest, Attachment attachment,
      TargetAccess access) {
    return Optional.empty();
  }

  @Override
  public boolean holdsReferrers() {
    return false;
  }
}
