{application,cowboy,[{vsn,"2.9.0"},{modules,[]}]}.
