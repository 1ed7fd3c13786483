
>
USER:RecoverableUSER:Recoverable happened *×Ù×®€åšw