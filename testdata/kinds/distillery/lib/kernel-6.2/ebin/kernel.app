{application,kernel,[{vsn,"6.2"},{modules,[]}]}.
