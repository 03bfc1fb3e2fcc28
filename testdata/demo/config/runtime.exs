import Config

# Read at boot: makes the release write its runtime sys.config under RELEASE_TMP.
if port = System.get_env("PORT") do
  config :demo, port: String.to_integer(port)
end
