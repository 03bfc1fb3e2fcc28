package dev.relpack.release;

/** The tool that built a release; it decides the command that runs the release in the foreground. */
public enum ReleaseKind {
  /** {@code mix release}, Elixir 1.9+: {@code start} runs in the foreground. */
  MIX("mix", "start"),
  /** distillery 2.x: {@code start} daemonises, {@code foreground} does not. */
  DISTILLERY("distillery", "foreground"),
  /** exrm (and distillery before 1.0, which kept its layout). */
  EXRM("exrm", "foreground"),
  /** relx, as used by rebar3. */
  RELX("relx", "foreground");

  private final String label;
  private final String startCommand;

  ReleaseKind(String label, String startCommand) {
    this.label = label;
    this.startCommand = startCommand;
  }

  /** Lower-case name as shown to users and in JSON. */
  public String label() {
    return label;
  }

  /** The argument to {@code bin/NAME} that starts the release in the foreground. */
  public String startCommand() {
    return startCommand;
  }
}
