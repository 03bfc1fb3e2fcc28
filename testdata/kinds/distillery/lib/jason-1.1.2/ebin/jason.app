{application,jason,[{vsn,"1.1.2"},{modules,[]}]}.
