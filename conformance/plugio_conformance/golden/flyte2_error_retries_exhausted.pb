
W
RetriesExhausted|ValueError6[3/3] currentAttempt done. Last Error: USER::bad value 