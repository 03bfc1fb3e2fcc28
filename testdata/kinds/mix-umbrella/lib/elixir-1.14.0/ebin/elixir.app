{application,elixir,[{vsn,"1.14.0"},{modules,[]}]}.
