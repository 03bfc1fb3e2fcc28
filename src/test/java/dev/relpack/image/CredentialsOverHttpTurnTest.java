package dev.relpack.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.relpack.testsupport.Waiting;
import dev.relpack.testsupport.SystemPropertyForEachTest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two builds in one JVM that disagree on jib's {@code sendCredentialsOverHttp}. */
class CredentialsOverHttpTurnTest {
  private static final String PROPERTY = CredentialsOverHttpTurn.PROPERTY;

  @RegisterExtension
  final SystemPropertyForEachTest property =
      new SystemPropertyForEachTest(PROPERTY, "as the user set it");

  @Test
  void aBuildThatMustNotSendCredentialsWaitsForTheOtherAndThenSeesNoProperty() throws Exception {
    CountDownLatch sendingHolds = new CountDownLatch(1);
    CountDownLatch sendingMayEnd = new CountDownLatch(1);
    FutureTask<String> sending = new FutureTask<>(() -> {
      try (CredentialsOverHttpTurn turn = CredentialsOverHttpTurn.take(true)) {
        sendingHolds.countDown();
        sendingMayEnd.await(30, TimeUnit.SECONDS);
        // what jib would read now: the other build is waiting, and has not cleared it
        return System.getProperty(PROPERTY);
      }
    });
    Thread sendingBuild = new Thread(sending, "sending");
    sendingBuild.start();
    sendingHolds.await(30, TimeUnit.SECONDS);

    FutureTask<String> plain = new FutureTask<>(() -> {
      try (CredentialsOverHttpTurn turn = CredentialsOverHttpTurn.take(false)) {
        return String.valueOf(System.getProperty(PROPERTY));
      }
    });
    Thread plainBuild = new Thread(plain, "not sending");
    plainBuild.start();
    Waiting.until("the second build waits for its turn", Duration.ofSeconds(30),
        () -> plainBuild.getState() == Thread.State.WAITING);
    assertEquals("true", System.getProperty(PROPERTY));
    sendingMayEnd.countDown();

    assertEquals("true", sending.get(30, TimeUnit.SECONDS));
    assertEquals("null", plain.get(30, TimeUnit.SECONDS));
    assertEquals("as the user set it", System.getProperty(PROPERTY));
  }

  @Test
  void endingATurnTwiceGivesBackOneTurn() throws Exception {
    CredentialsOverHttpTurn first = CredentialsOverHttpTurn.take(true);
    first.close();
    first.close();
    assertEquals("as the user set it", System.getProperty(PROPERTY));
    CredentialsOverHttpTurn second = CredentialsOverHttpTurn.take(false);
    assertNull(System.getProperty(PROPERTY));
    FutureTask<String> third = new FutureTask<>(() -> {
      try (CredentialsOverHttpTurn turn = CredentialsOverHttpTurn.take(true)) {
        return System.getProperty(PROPERTY);
      }
    });
    Thread thirdBuild = new Thread(third, "third");
    thirdBuild.start();
    // had the double close given back two turns, the third build would not wait here
    Waiting.until("the third build waits for its turn", Duration.ofSeconds(30),
        () -> thirdBuild.getState() == Thread.State.WAITING);
    assertNull(System.getProperty(PROPERTY));
    second.close();
    assertEquals("true", third.get(30, TimeUnit.SECONDS));
    assertEquals("as the user set it", System.getProperty(PROPERTY));
  }
}
