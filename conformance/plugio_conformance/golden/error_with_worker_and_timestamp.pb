
1
USER:OOMUSER:OOM happened *×Ù×®€åšw2w-3