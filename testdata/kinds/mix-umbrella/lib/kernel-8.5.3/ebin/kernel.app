{application,kernel,[{vsn,"8.5.3"},{modules,[]}]}.
