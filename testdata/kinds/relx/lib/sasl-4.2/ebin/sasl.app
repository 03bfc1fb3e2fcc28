{application,sasl,[{vsn,"4.2"},{modules,[]}]}.
