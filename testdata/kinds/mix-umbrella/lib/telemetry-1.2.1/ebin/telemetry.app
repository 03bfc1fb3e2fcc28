{application,telemetry,[{vsn,"1.2.1"},{modules,[]}]}.
