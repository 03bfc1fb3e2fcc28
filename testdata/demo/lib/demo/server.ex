defmodule Demo.Server do
  @moduledoc "A tiny HTTP/1.0 server on gen_tcp: one request per connection."
  use Task, restart: :permanent
  require Logger

  def start_link(port), do: Task.start_link(__MODULE__, :listen, [port])

  def listen(port) do
    {:ok, socket} =
      :gen_tcp.listen(port, [:binary, packet: :http_bin, active: false, reuseaddr: true])

    Logger.info("demo listening on port #{port}")
    accept(socket)
  end

  defp accept(socket) do
    {:ok, client} = :gen_tcp.accept(socket)
    {:ok, pid} = Task.start(fn -> serve(client) end)
    :ok = :gen_tcp.controlling_process(client, pid)
    accept(socket)
  end

  defp serve(client) do
    case :gen_tcp.recv(client, 0, 5_000) do
      {:ok, {:http_request, :GET, {:abs_path, path}, _}} ->
        {status, body} = Demo.Router.route(path)
        :gen_tcp.send(client, response(status, body))

      _ ->
        :gen_tcp.send(client, response(400, "bad request\n"))
    end

    :gen_tcp.close(client)
  end

  defp response(status, body) do
    ["HTTP/1.0 #{status} OK\r\ncontent-type: text/plain\r\ncontent-length: #{byte_size(body)}\r\n\r\n", body]
  end
end
