{application,elixir,[{vsn,"1.2.6"},{modules,[]}]}.
