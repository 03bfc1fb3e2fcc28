{application,shop,[{vsn,"0.2.0"},{modules,[]}]}.
