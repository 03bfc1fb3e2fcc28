{application,legacy,[{vsn,"1.4.0"},{modules,[]}]}.
