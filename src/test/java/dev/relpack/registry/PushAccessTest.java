package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading a token's grants: what the registry will allow, before anything is uploaded. */
class PushAccessTest {
  private static String jwt(String claims) {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    return url.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
  }

  private static String access(String name, String actions) {
    return "{\"access\":[{\"type\":\"repository\",\"name\":\"" + name + "\",\"actions\":["
        + actions + "]}]}";
  }

  @Test
  void aPushGrantForTheRepositoryIsFound() {
    assertEquals(Optional.of(true), PushAccess.grantsPush(
        jwt(access("group/project/app", "\"pull\",\"push\"")), "group/project/app"));
    assertEquals(Optional.of(true), PushAccess.grantsPush(jwt(access("group/app", "\"*\"")),
        "group/app"));
  }

  @Test
  void droppedActionsAndOtherRepositoriesGrantNoPush() {
    assertEquals(Optional.of(false), PushAccess.grantsPush(
        jwt(access("other/project", "\"pull\"")), "other/project"));
    assertEquals(Optional.of(false), PushAccess.grantsPush(
        jwt(access("group/project", "\"pull\",\"push\"")), "group/project/a/b/c"));
    assertEquals(Optional.of(false), PushAccess.grantsPush(jwt("{\"access\":[]}"), "x/y"));
    assertEquals(Optional.of(false), PushAccess.grantsPush(
        jwt("{\"access\":[{\"type\":\"registry\",\"name\":\"x/y\",\"actions\":[\"push\"]}]}"),
        "x/y"));
  }

  @Test
  void aTokenWhoseGrantsCannotBeReadIsNotJudged() {
    assertEquals(Optional.empty(), PushAccess.grantsPush("opaque-token", "x/y"));
    assertEquals(Optional.empty(), PushAccess.grantsPush("a.!!!.c", "x/y"));
    assertEquals(Optional.empty(), PushAccess.grantsPush(jwt("{\"sub\":\"u\"}"), "x/y"));
    assertEquals(Optional.empty(), PushAccess.grantsPush(jwt("not json"), "x/y"));
  }
}
