
-
USER:ValueErrorUSER:ValueError happened 