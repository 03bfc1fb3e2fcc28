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
