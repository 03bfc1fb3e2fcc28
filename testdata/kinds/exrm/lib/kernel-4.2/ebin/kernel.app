{application,kernel,[{vsn,"4.2"},{modules,[]}]}.
