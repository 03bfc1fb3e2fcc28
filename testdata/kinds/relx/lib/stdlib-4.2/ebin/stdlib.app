{application,stdlib,[{vsn,"4.2"},{modules,[]}]}.
