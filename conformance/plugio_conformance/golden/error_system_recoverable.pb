
<
SYSTEM:DownloadSYSTEM:Download happened *×Ù×®€åšw