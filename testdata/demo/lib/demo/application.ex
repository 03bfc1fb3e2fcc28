defmodule Demo.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    port = Application.fetch_env!(:demo, :port)
    children = [{Demo.Server, port}]
    Supervisor.start_link(children, strategy: :one_for_one, name: Demo.Supervisor)
  end
end
