
$
USER:OOMUSER:OOM happened 2w-4