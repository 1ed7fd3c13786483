
USER:ValueError	bad inputs3://bucket/meta/n0/error.pb *×Ù×®€åšw2w-1