
>
SYSTEM%FlyteNonRecoverableSystemException: x *×Ù×®€åšw