
(
UnknownUnknown happened*×Ù×®€åšw