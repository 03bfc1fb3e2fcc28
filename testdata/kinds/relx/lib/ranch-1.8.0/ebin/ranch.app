{application,ranch,[{vsn,"1.8.0"},{modules,[]}]}.
