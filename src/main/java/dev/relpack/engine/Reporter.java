package dev.relpack.engine;

import dev.relpack.image.ImageListener;

/** What a front end shows while relpack works: steps, progress, layers, warnings, details. */
public interface Reporter extends ImageListener {
  /** A step starts or ends; one line on a log. */
  void step(String message);
}
