{application,crypto,[{vsn,"5.1.2"},{modules,[]}]}.
