
E
USER:Recoverable FlyteRecoverableException: flaky *×Ù×®€åšw