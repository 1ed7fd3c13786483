
"
NonRecoverableError	stop at 2 