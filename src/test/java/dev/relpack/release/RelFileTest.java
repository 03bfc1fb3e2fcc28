package dev.relpack.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RelFileTest {

  @Test
  void readsMixStyleThreeTuples() throws Exception {
    RelFile rel = RelFile.parse("%% coding: utf-8\n{release,{\"demo\",\"0.1.0\"},{erts,\"13.1.5\"},"
        + "[{kernel,\"8.5.3\",permanent},{iex,\"1.14.0\",none}]}.\n");
    assertEquals(new RelFile("demo", "0.1.0", "13.1.5",
        List.of(new ReleaseApp("kernel", "8.5.3"), new ReleaseApp("iex", "1.14.0", false))), rel);
  }

  @Test
  void readsDistilleryPairsAndIncludedApplications() throws Exception {
    RelFile rel = RelFile.parse("{release,{\"shop\",\"0.2.0\"},{erts,\"10.2.2\"},"
        + "[{kernel,\"6.2\"},{shop,\"0.2.0\",[inner]},{outer,\"1.0\",permanent,[inner]}]}.");
    assertEquals(List.of(new ReleaseApp("kernel", "6.2"), new ReleaseApp("shop", "0.2.0"),
        new ReleaseApp("outer", "1.0")), rel.apps());
  }

  @Test
  void loadAndNoneApplicationsAreNotStarted() throws Exception {
    RelFile rel = RelFile.parse("{release,{\"a\",\"1\"},{erts,\"1\"},[{b,\"1\",load},"
        + "{c,\"1\",none,[]},{d,\"1\",transient},{e,\"1\",temporary}]}.");
    assertEquals(List.of(false, false, true, true),
        rel.apps().stream().map(ReleaseApp::started).toList());
  }

  @Test
  void refusesOtherShapes() {
    assertThrows(TermSyntaxException.class, () -> RelFile.parse("{release,{\"a\"},{erts,\"1\"},[]}."));
    assertThrows(TermSyntaxException.class, () -> RelFile.parse("{release,{\"a\",\"1\"},{ert,\"1\"},[]}."));
    assertThrows(TermSyntaxException.class, () -> RelFile.parse("{release,{\"a\",\"1\"},{erts,\"1\"},[{\"kernel\",\"1\"}]}."));
    assertThrows(TermSyntaxException.class, () -> RelFile.parse("{release,{a,\"1\"},{erts,\"1\"},[]}."));
    assertThrows(TermSyntaxException.class, () -> RelFile.parse("{x}. {y}."));
  }
}
