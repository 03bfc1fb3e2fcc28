package dev.relpack.testsupport;

import dev.relpack.engine.Reporter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Keeps what a build reports (steps and warnings), so a test can look at it. */
public final class RecordingReporter implements Reporter {
  private final List<String> steps = Collections.synchronizedList(new ArrayList<>());
  private final List<String> warnings;

  public RecordingReporter() {
    this(Collections.synchronizedList(new ArrayList<>()));
  }

  /** @param warnings where warnings go (a list the test already holds) */
  public RecordingReporter(List<String> warnings) {
    this.warnings = warnings;
  }

  public List<String> steps() {
    return steps;
  }

  public List<String> warnings() {
    return warnings;
  }

  @Override
  public void step(String message) {
    steps.add(message);
  }

  @Override
  public void progress(double fraction, String task) {}

  @Override
  public void warn(String message) {
    warnings.add(message);
  }

  @Override
  public void debug(String message) {}
}
