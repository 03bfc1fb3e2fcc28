package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import dev.relpack.error.Input;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageOptionsTest {

  private static ImageOptions options(String appRoot, String user, List<String> ports,
      Map<String, String> env, Map<String, String> labels) {
    return new ImageOptions(appRoot, user, ports, env, labels);
  }

  private static ImageOptions defaults() {
    return options(ImageOptions.DEFAULT_APP_ROOT, ImageOptions.DEFAULT_USER, List.of(), Map.of(),
        Map.of());
  }

  @Test
  void defaultsAreAppAndNobody() {
    ImageOptions options = defaults();
    assertEquals("/app", options.appRoot());
    assertEquals("65534:65534", options.user());
    assertEquals(List.of(), options.ports());
    assertEquals(Map.of(), options.env());
    assertEquals(Map.of(), options.labels());
  }

  @ParameterizedTest
  @CsvSource({
      "/app, /app",
      "/app/, /app",
      "/app///, /app",
      "/opt/my app, /opt/my app",
      "/srv/release/demo, /srv/release/demo"})
  void acceptsAbsoluteDirectoriesBelowRoot(String given, String expected) {
    assertEquals(expected, options(given, "1000", List.of(), Map.of(), Map.of()).appRoot());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "//", "app", "./app", "/a/../b", "/app/..", "/../app", "/./app",
      "/app//x", "/app/./x"})
  void refusesAppRootsThatAreNotAPlainAbsoluteDirectory(String appRoot) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> options(appRoot, "1000", List.of(), Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("{app-root} " + appRoot + " "), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"65534:65534", "0", "1000", "0:0", "nobody", "app:app", "app_user:1000",
      "1000:staff", "_svc", "a.b-c"})
  void acceptsUidGidAndNames(String user) {
    assertEquals(user, options("/app", user, List.of(), Map.of(), Map.of()).user());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ":", "65534:", ":65534", "-1", "1:2:3", "UID:GID", "Root", "a b",
      "1000:-1", "9app"})
  void refusesWhatIsNotUidGid(String user) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> options("/app", user, List.of(), Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("{user} " + user + " "), e.getMessage());
    assertTrue(e.getMessage().contains("UID:GID"), e.getMessage());
  }

  @Test
  void portsAreNormalisedWithTheirProtocol() {
    ImageOptions options = options("/app", "1000",
        List.of("4000", "53/udp", "443/tcp", "1", "65535", "00080"), Map.of(), Map.of());
    assertEquals(List.of("4000/tcp", "53/udp", "443/tcp", "1/tcp", "65535/tcp", "80/tcp"),
        options.ports());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "65536", "99999", "123456", "http", "80/sctp", "80/UDP", "80/",
      "/udp", "-1", "80-90", " 80", "", "8o"})
  void refusesPortsOutOfRangeOrWithAnUnknownProtocol(String port) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> options("/app", "1000", List.of("4000", port), Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith(Input.PORT + " " + port + " "), e.getMessage());
  }

  @Test
  void acceptsEnvironmentNamesAndCopiesTheMaps() {
    Map<String, String> env = new HashMap<>(Map.of("PORT", "4000", "_X", "", "a1_B", "x=y"));
    Map<String, String> labels = new HashMap<>(Map.of("com.example.team", "core"));
    ImageOptions options = options("/app", "1000", List.of(), env, labels);
    env.put("LATER", "1");
    labels.put("later", "1");
    assertEquals(Map.of("PORT", "4000", "_X", "", "a1_B", "x=y"), options.env());
    assertEquals(Map.of("com.example.team", "core"), options.labels());
    assertThrows(UnsupportedOperationException.class, () -> options.env().put("X", "1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1X", "A-B", "A.B", "A B", "", "É"})
  void refusesInvalidEnvironmentNames(String name) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> options("/app", "1000", List.of(), Map.of(name, "v"), Map.of()));
    assertTrue(e.getMessage().startsWith(Input.ENV + " " + name + "=...: "), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " "})
  void refusesLabelsWithoutAKey(String key) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> options("/app", "1000", List.of(), Map.of(), Map.of(key, "v")));
    assertTrue(e.getMessage().startsWith(Input.LABEL + " "), e.getMessage());
  }

  @Test
  void keyValuesSplitAtTheFirstEqualsAndLaterOnesWin() {
    Map<String, String> map = ImageOptions.keyValues(Input.ENV,
        List.of("A=1", "B=x=y", "C=", "A=2"));
    assertEquals(new LinkedHashMap<>(Map.of("A", "2", "B", "x=y", "C", "")), map);
    assertEquals(List.of("A", "B", "C"), List.copyOf(map.keySet()));
    assertEquals(Map.of(), ImageOptions.keyValues(Input.LABEL, List.of()));
  }

  @ParameterizedTest
  @CsvSource({"ENV, NOEQUALS", "ENV, =value", "LABEL, ''", "LABEL, =", "LABEL, justakey"})
  void keyValuesRefuseWhatIsNotKeyEqualsValueNamingTheOption(Input option, String value) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> ImageOptions.keyValues(option, List.of("OK=1", value)));
    assertEquals(option + " " + value + " is not KEY=VALUE", e.getMessage());
  }
}
