{application,stdlib,[{vsn,"2.8"},{modules,[]}]}.
