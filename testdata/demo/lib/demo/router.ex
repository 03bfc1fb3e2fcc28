defmodule Demo.Router do
  @moduledoc "Maps a path to a status and a body."

  def route("/"), do: {200, Greeting.hello("relpack") <> "\n"}

  # Proves the crypto NIF (and the libcrypto it links) loaded in the image.
  def route("/sha256/" <> text),
    do: {200, Base.encode16(:crypto.hash(:sha256, text), case: :lower) <> "\n"}

  def route("/version"), do: {200, Demo.Version.describe() <> "\n"}
  def route(_), do: {404, "not found\n"}
end
