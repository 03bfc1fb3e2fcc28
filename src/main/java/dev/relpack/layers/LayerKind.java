package dev.relpack.layers;

/** The layers of a release image, in order from least to most often changed. */
public enum LayerKind {
  /** {@code erts-VSN/}: changes with the OTP version. */
  ERTS("erts"),
  /** OTP and Elixir standard applications (kernel, stdlib, crypto, elixir, logger, ...). */
  OTP("otp"),
  /** Third-party dependencies: every other application that is not the project's own. */
  DEPS("deps"),
  /** The project's own applications (the release's app, umbrella children, {@code --app}). */
  APP("app"),
  /** {@code releases/} and {@code bin/}: boot scripts, config, consolidated protocols. */
  RELEASE("release");

  private final String label;

  LayerKind(String label) {
    this.label = label;
  }

  /** The layer's name in output, metadata and image history. */
  public String label() {
    return label;
  }
}
