
1
SYSTEMOSError: upload failed *×Ù×®€åšw