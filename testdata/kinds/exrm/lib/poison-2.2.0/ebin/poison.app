{application,poison,[{vsn,"2.2.0"},{modules,[]}]}.
