package dev.relpack.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relpack.image.LayerResult;
import dev.relpack.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code --metadata} JSON, the {@code --digest-file} and the {@code --dotenv} file, each
 * written whole or not at all.
 */
final class MetadataFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MetadataFile() {}

  static ObjectNode json(BuildReport report) {
    ObjectNode root = JSON.createObjectNode();
    root.put("image", report.reference());
    root.put("digest", report.image().digest());
    root.put("imageId", report.image().imageId());
    root.put("target", report.target().display());
    ArrayNode tags = root.putArray("tags");
    report.image().tags().forEach(tags::add);
    ObjectNode base = root.putObject("base");
    base.put("name", report.base().name());
    report.base().digest().ifPresent(d -> base.put("digest", d));
    ObjectNode release = root.putObject("release");
    release.put("name", report.release().name());
    release.put("version", report.release().version());
    release.put("kind", report.release().kind().label());
    release.put("erts", report.release().ertsVersion());
    ArrayNode layers = root.putArray("layers");
    for (LayerResult layer : report.image().layers()) {
      ObjectNode node = layers.addObject()
          .put("name", layer.name())
          .put("digest", layer.digest())
          .put("size", layer.size()) // compressed, as before; the fields below were added after
          .put("origin", layer.origin().name().toLowerCase(Locale.ROOT))
          .put("delivery", layer.delivery().name().toLowerCase(Locale.ROOT));
      layer.uncompressedSize().ifPresent(bytes -> node.put("uncompressedSize", bytes));
    }
    report.sbomReferrer().ifPresent(r -> root.put("sbomReferrer", r));
    root.put("uploadedBytes", report.image().uploadedBytes());
    root.put("uploadedBlobs", report.image().uploadedBlobs());
    root.put("seconds", report.elapsed().toMillis() / 1000.0);
    // only when relpack ran mix or rebar3: builds of a given release keep their file as it was
    report.releaseStep().ifPresent(d -> root.put("releaseStepSeconds", d.toMillis() / 1000.0));
    return root;
  }

  /**
   * The image for a later job, as GitLab's {@code artifacts: reports: dotenv} reads it: one
   * {@code KEY=VALUE} a line, no quotes. Tags cannot hold a comma, so a comma joins them.
   */
  static String dotenv(BuildReport report) {
    return "RELPACK_IMAGE=" + report.target().display() + "\n"
        + "RELPACK_DIGEST=" + report.image().digest() + "\n"
        + "RELPACK_IMAGE_WITH_DIGEST=" + report.reference() + "\n"
        + "RELPACK_TAGS=" + String.join(",", report.image().tags()) + "\n";
  }

  static void writeAll(BuildReport report, java.util.Optional<Path> digestFile,
      java.util.Optional<Path> metadataFile, java.util.Optional<Path> dotenvFile)
      throws IOException {
    if (dotenvFile.isPresent()) {
      AtomicFiles.write(dotenvFile.get(), dotenv(report).getBytes(StandardCharsets.UTF_8));
    }
    if (digestFile.isPresent()) {
      AtomicFiles.write(digestFile.get(), report.image().digest().getBytes(StandardCharsets.UTF_8));
    }
    if (metadataFile.isPresent()) {
      AtomicFiles.write(metadataFile.get(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json(report)));
    }
  }
}
