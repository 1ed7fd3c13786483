
:
USER:ValueErrorUSER:ValueError happened *×Ù×®€åšw