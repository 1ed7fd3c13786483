
>
USER:RuntimeErrorValueError: bad input *×Ù×®€åšw2w-0