package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

/** A class renamed by a dependency's upgrade would make the head start silently do nothing. */
class ClassesAheadTest {
  @Test
  void everyClassNamedIsOnTheClassPath() {
    for (String name : ClassesAhead.SLOW_TO_INITIALIZE) {
      assertDoesNotThrow(() -> Class.forName(name, false, ClassesAheadTest.class.getClassLoader()),
          name);
    }
  }
}
