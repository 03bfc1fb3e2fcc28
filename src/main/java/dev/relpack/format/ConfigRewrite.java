package dev.relpack.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one change relpack makes to the image jib built: jib-core writes {@code "author":"Jib"} on
 * the history entry of every layer it adds, with no way to set it, so relpack names itself there
 * afterwards, and points the manifest at the changed config.
 *
 * <p>Both are byte edits of the JSON jib wrote, found with a streaming parser: only the value
 * changed is replaced, so key order, spacing and every other byte stay as they were, and the same
 * input always gives the same output (the digests stay reproducible).
 */
public final class ConfigRewrite {
  /** What jib-core writes as the author of the history entries of its layers. */
  public static final String JIB = "Jib";

  /** What relpack writes there instead. */
  public static final String RELPACK = "relpack";

  private static final JsonFactory JSON = new JsonFactory();

  private ConfigRewrite() {}

  /** A run of bytes replaced by others. */
  private record Splice(long offset, int length, byte[] replacement) {}

  /**
   * The config with {@link #RELPACK} as the author of those of its last {@code added} history
   * entries whose author is {@link #JIB}; the entries before them (the base image's) stay, even
   * if the base was built with jib.
   *
   * @param config an image config (OCI or Docker), as jib wrote it
   * @param added how many layers the build added on the base (jib adds one entry for each)
   * @return the rewritten config, or {@code config} itself when no entry names jib
   * @throws IOException when {@code config} is not a JSON object
   */
  public static byte[] authors(byte[] config, int added) throws IOException {
    List<Long> jibAuthors = new ArrayList<>();
    int entries = 0;
    try (JsonParser parser = JSON.createParser(config)) {
      requireObject(parser, "config");
      for (JsonToken token; (token = parser.nextToken()) == JsonToken.FIELD_NAME; ) {
        String field = parser.currentName();
        token = parser.nextToken();
        if (!field.equals("history") || token != JsonToken.START_ARRAY) {
          parser.skipChildren();
          continue;
        }
        while (parser.nextToken() == JsonToken.START_OBJECT) {
          long author = -1;
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            boolean isAuthor = parser.currentName().equals("author");
            if (parser.nextToken() == JsonToken.VALUE_STRING && isAuthor
                && parser.getText().equals(JIB)) {
              author = parser.currentTokenLocation().getByteOffset();
            }
            parser.skipChildren();
          }
          jibAuthors.add(author);
          entries++;
        }
      }
    }
    byte[] quotedJib = quoted(JIB);
    List<Splice> splices = new ArrayList<>();
    for (int i = Math.max(0, entries - added); i < entries; i++) {
      long offset = jibAuthors.get(i);
      // only the plain spelling: a value written with escapes is left as it is
      if (offset >= 0 && regionEquals(config, offset, quotedJib)) {
        splices.add(new Splice(offset, quotedJib.length, quoted(RELPACK)));
      }
    }
    return splices.isEmpty() ? config : apply(config, splices);
  }

  /**
   * The manifest with its config descriptor's digest and size replaced; nothing else changes.
   *
   * @param manifest an image manifest (OCI or Docker v2.2)
   * @param digest the new config's digest, {@code sha256:...}
   * @param size the new config's size in bytes
   * @throws IOException when {@code manifest} is not a JSON object with a config descriptor
   */
  public static byte[] configDescriptor(byte[] manifest, String digest, long size)
      throws IOException {
    List<Splice> splices = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(manifest)) {
      requireObject(parser, "manifest");
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        if (parser.nextToken() != JsonToken.START_OBJECT || !field.equals("config")) {
          parser.skipChildren();
          continue;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          long offset = parser.currentTokenLocation().getByteOffset();
          if (name.equals("digest") && value == JsonToken.VALUE_STRING) {
            byte[] old = quoted(parser.getText());
            requireRegion(manifest, offset, old);
            splices.add(new Splice(offset, old.length, quoted(digest)));
          } else if (name.equals("size") && value == JsonToken.VALUE_NUMBER_INT) {
            byte[] old = parser.getText().getBytes(StandardCharsets.US_ASCII);
            requireRegion(manifest, offset, old);
            splices.add(new Splice(offset, old.length,
                Long.toString(size).getBytes(StandardCharsets.US_ASCII)));
          }
          parser.skipChildren();
        }
      }
    }
    if (splices.size() != 2) {
      throw new IOException("the manifest has no config descriptor with a digest and a size");
    }
    return apply(manifest, splices);
  }

  /**
   * The config with the last {@code top.size()} entries of {@code rootfs.diff_ids} replaced by
   * {@code top}, in order; nothing else changes.
   *
   * @param config an image config, as jib wrote it
   * @param top the uncompressed digests of the image's top layers, bottom first
   * @throws IOException when {@code config} has fewer diff IDs, or writes them with escapes
   */
  public static byte[] topDiffIds(byte[] config, List<String> top) throws IOException {
    List<Long> offsets = new ArrayList<>();
    List<String> values = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(config)) {
      requireObject(parser, "config");
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        boolean rootfs = parser.currentName().equals("rootfs");
        if (parser.nextToken() != JsonToken.START_OBJECT || !rootfs) {
          parser.skipChildren();
          continue;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          boolean diffIds = parser.currentName().equals("diff_ids");
          if (parser.nextToken() != JsonToken.START_ARRAY || !diffIds) {
            parser.skipChildren();
            continue;
          }
          for (JsonToken value; (value = parser.nextToken()) != JsonToken.END_ARRAY; ) {
            offsets.add(value == JsonToken.VALUE_STRING
                ? parser.currentTokenLocation().getByteOffset() : -1L);
            values.add(value == JsonToken.VALUE_STRING ? parser.getText() : null);
            parser.skipChildren();
          }
        }
      }
    }
    if (offsets.size() < top.size()) {
      throw new IOException("the config lists " + offsets.size() + " diff IDs, fewer than the "
          + top.size() + " layers to replace");
    }
    List<Splice> splices = new ArrayList<>();
    int first = offsets.size() - top.size();
    for (int i = 0; i < top.size(); i++) {
      splices.add(spliceString(config, offsets.get(first + i), values.get(first + i),
          top.get(i), "config's diff IDs"));
    }
    return apply(config, splices);
  }

  /** A layer descriptor's digest and size. */
  public record Layer(String digest, long size) {}

  /**
   * The manifest with the digests and sizes of its last {@code top.size()} layer descriptors
   * replaced by {@code top}, in order; their media types and every other byte stay.
   *
   * @param manifest an image manifest (OCI or Docker v2.2)
   * @param top the image's top layers, bottom first
   * @throws IOException when {@code manifest} has fewer layers, or layers without a digest and a
   *     size, or writes them with escapes
   */
  public static byte[] topLayers(byte[] manifest, List<Layer> top) throws IOException {
    List<long[]> found = new ArrayList<>(); // per layer: digest offset, size offset
    List<String[]> text = new ArrayList<>(); // per layer: digest, size as written
    try (JsonParser parser = JSON.createParser(manifest)) {
      requireObject(parser, "manifest");
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        boolean layers = parser.currentName().equals("layers");
        if (parser.nextToken() != JsonToken.START_ARRAY || !layers) {
          parser.skipChildren();
          continue;
        }
        while (parser.nextToken() == JsonToken.START_OBJECT) {
          long[] offsets = {-1, -1};
          String[] values = new String[2];
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            int which = name.equals("digest") && value == JsonToken.VALUE_STRING ? 0
                : name.equals("size") && value == JsonToken.VALUE_NUMBER_INT ? 1 : -1;
            if (which >= 0) {
              offsets[which] = parser.currentTokenLocation().getByteOffset();
              values[which] = parser.getText();
            }
            parser.skipChildren();
          }
          found.add(offsets);
          text.add(values);
        }
      }
    }
    if (found.size() < top.size()) {
      throw new IOException("the manifest has " + found.size() + " layers, fewer than the "
          + top.size() + " to replace");
    }
    List<Splice> splices = new ArrayList<>();
    int first = found.size() - top.size();
    for (int i = 0; i < top.size(); i++) {
      long[] offsets = found.get(first + i);
      String[] values = text.get(first + i);
      splices.add(spliceString(manifest, offsets[0], values[0], top.get(i).digest(),
          "manifest's layers"));
      byte[] size = values[1] == null ? null : values[1].getBytes(StandardCharsets.US_ASCII);
      if (size == null || !regionEquals(manifest, offsets[1], size)) {
        throw new IOException("the manifest's layers are written without sizes, or with escapes");
      }
      splices.add(new Splice(offsets[1], size.length,
          Long.toString(top.get(i).size()).getBytes(StandardCharsets.US_ASCII)));
    }
    return apply(manifest, splices);
  }

  /** Replaces the string {@code old} found at {@code offset} by {@code replacement}. */
  private static Splice spliceString(byte[] bytes, long offset, String old, String replacement,
      String where) throws IOException {
    byte[] quotedOld = old == null ? null : quoted(old);
    if (quotedOld == null || !regionEquals(bytes, offset, quotedOld)) {
      throw new IOException("the " + where + " are not plain strings");
    }
    return new Splice(offset, quotedOld.length, quoted(replacement));
  }

  /**
   * The manifest with {@code annotations} added as its top-level {@code annotations} object (keys
   * sorted), written just before its closing brace; every other byte stays. A manifest that has
   * annotations already (jib writes none) keeps them and gets none of these: relpack does not
   * merge into what another tool wrote.
   *
   * @param manifest an OCI image manifest
   * @param annotations what to add; none leaves the manifest as it is
   * @return the annotated manifest, or {@code manifest} itself when nothing was added
   * @throws IOException when {@code manifest} is not a JSON object
   */
  public static byte[] annotate(byte[] manifest, Map<String, String> annotations)
      throws IOException {
    if (annotations.isEmpty()) {
      return manifest;
    }
    long closing;
    boolean hasFields = false;
    try (JsonParser parser = JSON.createParser(manifest)) {
      requireObject(parser, "manifest");
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        if (parser.currentName().equals("annotations")) {
          return manifest;
        }
        hasFields = true;
        parser.nextToken();
        parser.skipChildren();
      }
      closing = parser.currentTokenLocation().getByteOffset();
    }
    ByteArrayOutputStream object = new ByteArrayOutputStream();
    try (JsonGenerator out = JSON.createGenerator(object)) {
      out.writeStartObject();
      for (Map.Entry<String, String> entry : new TreeMap<>(annotations).entrySet()) {
        out.writeStringField(entry.getKey(), entry.getValue());
      }
      out.writeEndObject();
    }
    byte[] field = ((hasFields ? "," : "") + "\"annotations\":").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream insert = new ByteArrayOutputStream();
    insert.writeBytes(field);
    insert.writeBytes(object.toByteArray());
    return apply(manifest, List.of(new Splice(closing, 0, insert.toByteArray())));
  }

  private static void requireObject(JsonParser parser, String what) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw new IOException("the " + what + " is not a JSON object");
    }
  }

  private static void requireRegion(byte[] bytes, long offset, byte[] expected)
      throws IOException {
    if (!regionEquals(bytes, offset, expected)) {
      throw new IOException("the manifest's config descriptor is written with escapes");
    }
  }

  private static boolean regionEquals(byte[] bytes, long offset, byte[] expected) {
    if (offset < 0 || offset + expected.length > bytes.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (bytes[(int) offset + i] != expected[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] quoted(String plain) {
    return ('"' + plain + '"').getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] apply(byte[] bytes, List<Splice> splices) {
    List<Splice> ordered = new ArrayList<>(splices);
    ordered.sort(Comparator.comparingLong(Splice::offset));
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 16 * ordered.size());
    int at = 0;
    for (Splice splice : ordered) {
      out.write(bytes, at, (int) splice.offset() - at);
      out.writeBytes(splice.replacement());
      at = (int) splice.offset() + splice.length();
    }
    out.write(bytes, at, bytes.length - at);
    return out.toByteArray();
  }
}
