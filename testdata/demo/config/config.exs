import Config
config :demo, port: 4000
