defmodule Demo.Version do
  @moduledoc "The module the tests change to make a one-module release change."
  def describe, do: "demo #{Application.spec(:demo, :vsn)} otp #{System.otp_release()}"
end
