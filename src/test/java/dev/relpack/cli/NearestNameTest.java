package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NearestNameTest {
  private static final List<String> OPTIONS = List.of("--release", "--release-name",
      "--rebar-profile", "--registry-ca", "--from", "--to", "-t", "--tag", "--json");

  @Test
  void aLetterLeftOutFindsTheOption() {
    assertEquals(Optional.of("--release"), NearestName.to("--relase", OPTIONS));
  }

  @Test
  void twoLettersSwappedCountAsOneMistake() {
    assertEquals(1, NearestName.distance("--form", "--from"));
    assertEquals(Optional.of("--from"), NearestName.to("--form", OPTIONS));
  }

  @Test
  void theClosestWinsOverOneWithTheSamePrefix() {
    assertEquals(Optional.of("--release-name"), NearestName.to("--release-nme", OPTIONS));
  }

  @Test
  void nothingCloseIsNoSuggestion() {
    assertEquals(Optional.empty(), NearestName.to("--zzzzzz", OPTIONS));
    assertEquals(Optional.empty(), NearestName.to("--verbose", OPTIONS));
  }

  @Test
  void aShortNameMayBeOneCharacterOff() {
    assertEquals(Optional.of("--to"), NearestName.to("--tp", OPTIONS));
    assertEquals(Optional.empty(), NearestName.to("--xy", OPTIONS));
  }

  @Test
  void distanceCountsEachEdit() {
    assertEquals(0, NearestName.distance("build", "build"));
    assertEquals(1, NearestName.distance("bild", "build"));
    assertEquals(3, NearestName.distance("", "abc"));
    assertEquals(2, NearestName.distance("inspect", "inpsecs"));
  }
}
