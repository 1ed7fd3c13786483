


ValueErrorbad value 1 