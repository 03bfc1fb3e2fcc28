package dev.relpack.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relpack.error.BadInputException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BaseSpecTest {

  @Test
  void parsesEveryKindOfBase() {
    assertEquals(new BaseSpec.Scratch(), BaseSpec.parse("scratch"));
    assertEquals(new BaseSpec.Host(), BaseSpec.parse("host"));
    assertEquals(new BaseSpec.DockerArchive(Path.of("b/base.tar")), BaseSpec.parse("tar:b/base.tar"));
    assertEquals(new BaseSpec.OciLayout(Path.of("/x/layout"), Optional.of("v1")),
        BaseSpec.parse("oci:/x/layout:v1"));
    assertEquals(new BaseSpec.OciLayout(Path.of("layout"), Optional.empty()), BaseSpec.parse("oci:layout"));
    BaseSpec.Registry alpine = (BaseSpec.Registry) BaseSpec.parse("alpine:3.20");
    assertEquals("registry-1.docker.io", alpine.reference().getRegistry());
    assertEquals("library/alpine", alpine.reference().getRepository());
    assertEquals("docker.io/library/alpine:3.20", BaseSpec.Registry.displayName(alpine.reference()));
    BaseSpec.Registry local = (BaseSpec.Registry) BaseSpec.parse("127.0.0.1:5000/base/os:1");
    assertEquals("127.0.0.1:5000/base/os:1", BaseSpec.Registry.displayName(local.reference()));
  }

  @Test
  void refusesWhatIsNoBase() {
    for (String bad : new String[] {"", "tar:", "oci:", "Alpine:3.20", "a b", "x@sha256:12"}) {
      BadInputException e = assertThrows(BadInputException.class, () -> BaseSpec.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("{from}"), e.getMessage());
    }
  }
}
