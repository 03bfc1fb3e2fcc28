{application,stdlib,[{vsn,"3.7"},{modules,[]}]}.
