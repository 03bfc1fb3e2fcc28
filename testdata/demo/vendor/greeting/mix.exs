defmodule Greeting.MixProject do
  use Mix.Project

  def project, do: [app: :greeting, version: "1.2.0", elixir: "~> 1.14", deps: []]
  def application, do: []
end
