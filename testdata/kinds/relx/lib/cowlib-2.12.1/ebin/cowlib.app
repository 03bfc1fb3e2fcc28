{application,cowlib,[{vsn,"2.12.1"},{modules,[]}]}.
