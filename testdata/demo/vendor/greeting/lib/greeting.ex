defmodule Greeting do
  @moduledoc "Stands in for a third-party dependency."
  def hello(name), do: "hello, #{name}"
end
