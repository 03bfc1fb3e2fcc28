package dev.relpack.engine;

import dev.relpack.publish.BuildListener;

/** What a front end shows while relpack works: steps, progress, warnings, details. */
public interface Reporter extends BuildListener {
  /** A step starts or ends; one line on a log. */
  void step(String message);
}
