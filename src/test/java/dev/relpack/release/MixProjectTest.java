package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixProjectTest {
  @TempDir Path dir;

  private MixProject project(String mixExs) throws IOException {
    Files.writeString(dir.resolve("mix.exs"), mixExs);
    return MixProject.read(dir);
  }

  @Test
  void theLicensesOfTheHexPackageMetadataAreOneSpdxExpression() throws IOException {
    MixProject shop = project("defmodule Shop.MixProject do\n  def project do\n"
        + "    [app: :shop, version: \"1.0.0\", package: package()]\n  end\n"
        + "  defp package do\n    [licenses: [\"Apache-2.0\", \"MIT OR ISC\"],\n"
        + "     links: %{\"GitHub\" => \"https://example.com\"}]\n  end\nend\n");
    assertEquals(Set.of("shop"), shop.ownApps());
    assertEquals(List.of("Apache-2.0", "MIT OR ISC"), shop.licenses());
    assertEquals(Optional.of("Apache-2.0 AND (MIT OR ISC)"), shop.licenseExpression());
  }

  @Test
  void oneLicenseIsItselfAndNoneIsNoExpression() throws IOException {
    assertEquals(Optional.of("Apache-2.0"),
        project("[app: :a, package: [licenses: [ \"Apache-2.0\" ]]]").licenseExpression());
    assertEquals(Optional.empty(), project("[app: :a]").licenseExpression());
    assertEquals(Optional.empty(), project("[app: :a, package: [licenses: []]]").licenseExpression());
  }
}
