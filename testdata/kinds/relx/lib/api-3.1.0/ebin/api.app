{application,api,[{vsn,"3.1.0"},{modules,[]}]}.
