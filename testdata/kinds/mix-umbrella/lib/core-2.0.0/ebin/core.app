{application,core,[{vsn,"2.0.0"},{modules,[]}]}.
