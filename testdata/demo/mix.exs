defmodule Demo.MixProject do
  use Mix.Project

  def project do
    [
      app: :demo,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: deps(),
      releases: [demo: [include_executables_for: [:unix], steps: [:assemble, :tar]]]
    ]
  end

  def application do
    [extra_applications: [:logger, :crypto], mod: {Demo.Application, []}]
  end

  # A path dependency stands in for a Hex package: the machine that builds the
  # fixture has no Hex access, and a path dep lands in the release like any other.
  defp deps do
    [{:greeting, path: "vendor/greeting"}]
  end
end
